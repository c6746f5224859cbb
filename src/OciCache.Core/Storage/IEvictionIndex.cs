using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// What the cache lifecycle asks of metadata: the bytes the budget counts, access times, what eviction may
/// remove, and what garbage collection may remove. Used by the background lifecycle work only.
/// </summary>
public interface IEvictionIndex
{
    /// <summary>Bytes of content no local repository needs: what the cache budget counts.</summary>
    Task<long> GetCachedBytesAsync(CancellationToken cancellationToken = default);

    /// <summary>Records last-access times in one batch (access is tracked in memory, not per request).</summary>
    Task TouchBlobsAsync(IReadOnlyCollection<KeyValuePair<Digest, DateTimeOffset>> accesses);

    /// <summary>Root manifests (of mirror repositories, and local ones when asked) and unreferenced blobs, least recently used first.</summary>
    Task<IReadOnlyList<EvictionCandidate>> ListEvictionCandidatesAsync(bool includeLocal, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a manifest with its tags, and the child manifests only it held on to; returns every digest
    /// the deleted manifests were or referenced (to check which blobs are no longer needed).
    /// </summary>
    Task<IReadOnlyList<Digest>> DeleteManifestTreeAsync(Repository repository, Digest root);

    /// <summary>Blobs no manifest needs and that <paramref name="scope"/> does not keep, optionally among some digests.</summary>
    Task<IReadOnlyList<BlobRecord>> ListUnneededBlobsAsync(
        IReadOnlyCollection<Digest>? among, UnneededScope scope, CancellationToken cancellationToken = default);

    /// <summary>Stamps local blob links that no manifest of their repository references (and clears stamps no longer true).</summary>
    Task MarkOrphanedLinksAsync(DateTimeOffset now);

    /// <summary>Removes local blob links stamped as orphaned before <paramref name="before"/>.</summary>
    Task<int> DeleteOrphanedLinksAsync(DateTimeOffset before);
}
