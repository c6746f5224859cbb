using System.Collections.Concurrent;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Last access of blobs and manifests, kept in memory as requests are served and written to the
/// database in one batch (the lifecycle service flushes every <c>Storage:AccessFlushInterval</c>): LRU
/// order without a database write per request. Readers touch, the evictor reads the order.
/// </summary>
public sealed class AccessTracker(IEvictionIndex index, TimeProvider time)
{
    private ConcurrentDictionary<Digest, DateTimeOffset> _pending = new();

    public void Touch(Digest digest) => _pending[digest] = time.GetUtcNow();

    /// <summary>Writes what was touched since the last flush.</summary>
    public Task FlushAsync()
    {
        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<Digest, DateTimeOffset>());
        return index.TouchBlobsAsync(batch.ToArray());
    }
}
