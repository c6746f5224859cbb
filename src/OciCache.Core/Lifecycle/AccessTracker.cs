using System.Collections.Concurrent;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Last access of blobs and manifests, kept in memory as requests are served and written to the
/// database in one batch per <see cref="StorageOptions.AccessFlushInterval"/>: LRU order without a
/// database write per request.
/// </summary>
public sealed class AccessTracker(IMetadataIndex index, TimeProvider time)
{
    private ConcurrentDictionary<Digest, DateTimeOffset> _pending = new();

    public void Touch(Digest digest) => _pending[digest] = time.GetUtcNow();

    /// <summary>Writes what was touched since the last flush.</summary>
    public void Flush()
    {
        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<Digest, DateTimeOffset>());
        index.TouchBlobs(batch.ToArray());
    }
}
