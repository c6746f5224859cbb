using System.Collections.Concurrent;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.PullThrough;

/// <summary>
/// Single flight for blob fetches: every request for a digest that is not stored joins the one fill
/// that is running for it, whichever repository or upstream asked first (the digest names the bytes).
/// </summary>
internal sealed class FillCoordinator : IRunningFills
{
    private readonly ConcurrentDictionary<Digest, BlobFill> _fills = new();
    private readonly IBlobStore store;

    public FillCoordinator(IBlobStore store, OciCache.Observability.CacheMetrics metrics)
    {
        this.store = store;
        metrics.Observe("fills_in_flight", () => [new(_fills.Count)], "Blob fetches from upstreams running now.");
    }

    public int Active => _fills.Count;

    /// <summary>The fills running now (for the console's progress).</summary>
    public IReadOnlyList<RunningFill> Snapshot() =>
        [.. _fills.Values.Select(f => new RunningFill(f.Digest, f.Requesters.FirstOrDefault()?.Name, f.Phase.ToString(), f.Received, f.Length))];

    /// <summary>The fill running for <paramref name="digest"/>, if any (for progress and for tests that await it).</summary>
    public BlobFill? Find(Digest digest) => _fills.GetValueOrDefault(digest);

    public async Task<IGrowingBlob?> FollowAsync(Digest digest, CancellationToken cancellationToken)
    {
        if (Find(digest)?.TryJoin() is not { } lease)
        {
            return null;
        }

        try
        {
            if (await lease.Fill.WaitForHeadersAsync(cancellationToken) is null)
            {
                return lease;
            }
        }
        catch
        {
            lease.Dispose();
            throw;
        }

        lease.Dispose();
        return null;
    }

    /// <summary>
    /// A lease on the running fill for <paramref name="digest"/>, or on a new one made by <paramref name="create"/>.
    /// Null when the blob turned out to be stored already (a fill finished in between), unless
    /// <paramref name="evenIfStored"/>: the asking repository has no record of the stored copy, so it is
    /// fetched again (the upstream's bytes replace the twin file, and make it that repository's).
    /// </summary>
    public async ValueTask<FillLease?> JoinAsync(Digest digest, Func<BlobFill> create, bool evenIfStored = false, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_fills.TryGetValue(digest, out var running))
            {
                if (running.TryJoin() is { } lease)
                {
                    return lease;
                }

                // Relaying (disk full) or failed: this request fetches on its own, outside single flight.
                return create().Start(static _ => { });
            }

            var fill = create();
            if (!_fills.TryAdd(digest, fill))
            {
                continue;
            }

            if (!evenIfStored && await store.GetLengthAsync(digest, cancellationToken) is not null)
            {
                _fills.TryRemove(new KeyValuePair<Digest, BlobFill>(digest, fill));
                return null;
            }

            return fill.Start(finished => _fills.TryRemove(new KeyValuePair<Digest, BlobFill>(digest, finished)));
        }
    }
}
