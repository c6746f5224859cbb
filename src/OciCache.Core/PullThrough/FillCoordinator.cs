using System.Collections.Concurrent;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.PullThrough;

/// <summary>
/// Single flight for blob fetches: every request for a digest that is not stored joins the one fill
/// that is running for it, whichever repository or upstream asked first (the digest names the bytes).
/// A fill leaves the table when its <see cref="BlobFill.Completion"/> completes; until the entry is gone an
/// ended fill counts as absent (<see cref="Running"/>), so nothing waits on the order of the two.
/// </summary>
internal sealed class FillCoordinator : IRunningFills
{
    private readonly ConcurrentDictionary<Digest, BlobFill> _fills = new();
    private readonly IBlobStore _store;
    private readonly BlobFills _factory;

    public FillCoordinator(IBlobStore store, BlobFills factory, OciCache.Observability.CacheMetrics metrics)
    {
        _store = store;
        _factory = factory;
        metrics.Observe("fills_in_flight", () => [new(Active)], "Blob fetches from upstreams running now.");
    }

    public int Active => Running.Count();

    /// <summary>The fills running now (for the console's progress).</summary>
    public IReadOnlyList<RunningFill> Snapshot() =>
        [.. Running.Select(f => new RunningFill(f.Digest, f.Requesters.FirstOrDefault()?.Name, f.Phase.ToString(), f.Received, f.Length))];

    /// <summary>The fill running for <paramref name="digest"/>, if any (for progress and for tests that await it).</summary>
    public BlobFill? Find(Digest digest) => _fills.GetValueOrDefault(digest) is { Completion.IsCompleted: false } fill ? fill : null;

    private IEnumerable<BlobFill> Running => _fills.Values.Where(static f => !f.Completion.IsCompleted);

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
    /// A lease on the running fill for <paramref name="digest"/>, or on a new one for <paramref name="repository"/>.
    /// Null when the blob turned out to be stored already (a fill finished in between), unless
    /// <paramref name="evenIfStored"/>: the asking repository has no record of the stored copy, so it is
    /// fetched again (the upstream's bytes replace the twin file, and make it that repository's).
    /// </summary>
    /// <param name="expectedSize">The size a manifest states, when known: a fill this request starts is cut past it.</param>
    public async ValueTask<FillLease?> JoinAsync(
        Repository repository, Digest digest, long? expectedSize, bool evenIfStored = false, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_fills.TryGetValue(digest, out var running))
            {
                if (running.Completion.IsCompleted)
                {
                    _fills.TryRemove(new KeyValuePair<Digest, BlobFill>(digest, running)); // ended; its own removal may not have run yet
                    continue;
                }

                if (running.TryJoin() is { } joined)
                {
                    return joined;
                }

                // Relaying (disk full) or failed: this request fetches on its own, outside single flight.
                return _factory.Create(repository, digest, expectedSize).Start();
            }

            var fill = _factory.Create(repository, digest, expectedSize);
            if (!_fills.TryAdd(digest, fill))
            {
                continue;
            }

            if (!evenIfStored && await _store.GetLengthAsync(digest, cancellationToken) is not null)
            {
                _fills.TryRemove(new KeyValuePair<Digest, BlobFill>(digest, fill));
                return null;
            }

            var lease = fill.Start();
            _ = fill.Completion.ContinueWith(
                (_, entry) => _fills.TryRemove((KeyValuePair<Digest, BlobFill>)entry!),
                new KeyValuePair<Digest, BlobFill>(digest, fill), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return lease;
        }
    }
}
