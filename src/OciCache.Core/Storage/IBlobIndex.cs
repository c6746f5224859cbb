using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Which blobs are stored and which repository may see which of them (its links). The bytes live in
/// <see cref="IBlobStore"/>; a row here is only written after the bytes it describes were committed.
/// </summary>
/// <remarks>
/// Reads take the caller's <see cref="CancellationToken"/>; writes take none: once asked for, a write runs
/// to its end, so what is stored never depends on whether the client that caused it stayed. Reads return
/// <see cref="ValueTask{TResult}"/> because an implementation may answer them from memory.
/// </remarks>
public interface IBlobIndex
{
    ValueTask<BlobRecord?> GetBlobAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>The size of the blob when <paramref name="repository"/> links it, otherwise null.</summary>
    ValueTask<long?> GetLinkedBlobSizeAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default);

    /// <summary>Records a committed blob and links it to the repository (created, with its upstream, when new).</summary>
    Task AddBlobAsync(Repository repository, Digest digest, long size);

    /// <summary>Links an already stored blob to another repository; false when the blob is unknown.</summary>
    Task<bool> LinkBlobAsync(Repository repository, Digest digest);

    /// <summary>
    /// Unlinks the blob from the repository, unless a manifest of the repository references it: then the
    /// link stays (deleting it would break that image) and the answer is <see cref="BlobUnlink.Referenced"/>.
    /// Check and unlink are one write, so no manifest can start needing the blob in between.
    /// </summary>
    Task<BlobUnlink> UnlinkBlobAsync(Repository repository, Digest digest);

    /// <summary>True when a manifest of the repository references the digest (as a blob or a child manifest).</summary>
    ValueTask<bool> IsReferencedByAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default);

    /// <summary>
    /// True when a mirror repository of <paramref name="upstream"/> links the blob (that upstream's bytes).
    /// The upstream is the configured upstream's name, not a repository, so it is a string.
    /// </summary>
    ValueTask<bool> IsLinkedFromUpstreamAsync(string upstream, Digest digest, CancellationToken cancellationToken = default);

    /// <summary>Drops the blob row and every link and manifest that depends on it (repair of a lost or corrupt blob).</summary>
    Task RemoveBlobAsync(Digest digest);

    /// <summary>
    /// What the local repositories (no mirror) whose names one of <paramref name="repositories"/> matches hold
    /// together: the size of each distinct blob they link and manifest they store, counted once however many
    /// of them hold it, and which of <paramref name="candidates"/> they hold. A quota's use; one snapshot.
    /// </summary>
    Task<QuotaUsage> MeasureAsync(
        IReadOnlyList<RepositoryPattern> repositories, IReadOnlyCollection<Digest> candidates, CancellationToken cancellationToken = default);

    /// <summary>Every blob row in digest order, read as it is enumerated, never collected.</summary>
    IAsyncEnumerable<BlobRecord> EnumerateBlobsAsync(CancellationToken cancellationToken = default);
}
