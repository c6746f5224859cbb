using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Counts manifest GETs (pulls) per stored repository and digest in memory; <see cref="FlushAsync"/> adds
/// them to <see cref="IPullCounts"/> in one write (once a minute, and at stop), so a pull costs no write.
/// </summary>
public sealed class PullCounter(IPullCounts store, TimeProvider time)
{
    private readonly object _gate = new(); // a count lands in the map before or after a flush takes it, never in between
    private Dictionary<(string Repository, Digest Digest), Pending> _pending = [];

    public void Count(string repository, Digest digest)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (!_pending.TryGetValue((repository, digest), out var entry))
            {
                _pending[(repository, digest)] = entry = new Pending();
            }

            entry.Count++;
            entry.Last = Math.Max(entry.Last, now);
        }
    }

    /// <summary>Writes what was counted since the last flush; returns the rows written.</summary>
    public async Task<int> FlushAsync()
    {
        Dictionary<(string Repository, Digest Digest), Pending> taken;
        lock (_gate)
        {
            taken = _pending;
            _pending = [];
        }

        if (taken.Count == 0)
        {
            return 0;
        }

        await store.AddAsync(
            [.. taken.Select(p => new PullCount(p.Key.Repository, p.Key.Digest, p.Value.Count, DateTimeOffset.FromUnixTimeMilliseconds(p.Value.Last)))],
            CancellationToken.None);
        return taken.Count;
    }

    private sealed class Pending
    {
        public long Count;
        public long Last;
    }
}
