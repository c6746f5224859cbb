using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Tests.PullThrough;

/// <summary>
/// Fill leases in memory with PostgresFillLeases' rules (granted when free, expired or already this holder's;
/// refused naming the holder otherwise), over a table several holders share, on the test's clock. Counts
/// every call; <see cref="Refuse"/> makes the next acquires see a foreign holder.
/// </summary>
internal sealed class InMemoryFillLeases(InMemoryFillLeases.Table table, FillLeaseHolder holder, TimeSpan timeout, TimeProvider time) : IFillLeases
{
    private int _acquires;
    private int _renews;
    private int _releases;

    public int Acquires => Volatile.Read(ref _acquires);

    public int Renews => Volatile.Read(ref _renews);

    public int Releases => Volatile.Read(ref _releases);

    public Task<FillLeaseClaim> AcquireAsync(Digest digest, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _acquires);
        lock (table.Rows)
        {
            var now = time.GetUtcNow();
            if (!table.Rows.TryGetValue(digest, out var row) || row.ExpiresAt <= now || row.Holder.Id == holder.Id)
            {
                row = (holder, now + timeout);
                table.Rows[digest] = row;
            }

            return Task.FromResult(new FillLeaseClaim(row.Holder.Id == holder.Id, row.Holder.Url, row.ExpiresAt));
        }
    }

    public Task<bool> RenewAsync(Digest digest, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _renews);
        lock (table.Rows)
        {
            if (!table.Rows.TryGetValue(digest, out var row) || row.Holder.Id != holder.Id)
            {
                return Task.FromResult(false);
            }

            table.Rows[digest] = (holder, time.GetUtcNow() + timeout);
            table.Renewed.Release();
            return Task.FromResult(true);
        }
    }

    public Task ReleaseAsync(Digest digest, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _releases);
        lock (table.Rows)
        {
            if (table.Rows.TryGetValue(digest, out var row) && row.Holder.Id == holder.Id)
            {
                table.Rows.Remove(digest);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Puts a lease of <paramref name="other"/> in the table, as another replica's acquire would.</summary>
    public static void Refuse(Table table, Digest digest, FillLeaseHolder other, DateTimeOffset expiresAt)
    {
        lock (table.Rows)
        {
            table.Rows[digest] = (other, expiresAt);
        }
    }

    /// <summary>The rows every holder sees.</summary>
    internal sealed class Table
    {
        public Dictionary<Digest, (FillLeaseHolder Holder, DateTimeOffset ExpiresAt)> Rows { get; } = [];

        /// <summary>Released once per successful renewal.</summary>
        public SemaphoreSlim Renewed { get; } = new(0);

        public (FillLeaseHolder Holder, DateTimeOffset ExpiresAt)? Get(Digest digest)
        {
            lock (Rows)
            {
                return Rows.TryGetValue(digest, out var row) ? row : null;
            }
        }
    }
}
