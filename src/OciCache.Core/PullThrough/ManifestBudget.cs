namespace OciCache.PullThrough;

/// <summary>
/// The bytes that manifests being fetched from upstreams may hold at once
/// (<see cref="PullThroughOptions.ManifestBytesInFlight"/>): a semaphore by bytes. A manifest is read whole
/// (up to 4 MiB) to be verified and parsed, so without a bound concurrent pulls of big manifests exhaust
/// the heap, and requests for content that is cached fail with them. A fetch that does not fit is refused
/// (the caller answers 503 with <c>Retry-After</c>); cached manifests never pass through here.
/// </summary>
internal sealed class ManifestBudget(long capacity)
{
    private readonly object _gate = new();
    private long _used;

    public long Capacity => capacity;

    /// <summary>Bytes reserved now.</summary>
    public long Used
    {
        get { lock (_gate) { return _used; } }
    }

    /// <summary>A reservation of <paramref name="bytes"/> (returned on dispose), or null when they do not fit now.</summary>
    public Reservation? TryReserve(long bytes)
    {
        lock (_gate)
        {
            if (_used + bytes > capacity)
            {
                return null;
            }

            _used += bytes;
            return new Reservation(this, bytes);
        }
    }

    private void Return(long bytes)
    {
        lock (_gate)
        {
            _used -= bytes;
        }
    }

    internal sealed class Reservation(ManifestBudget budget, long bytes) : IDisposable
    {
        private int _returned;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
            {
                budget.Return(bytes);
            }
        }
    }
}
