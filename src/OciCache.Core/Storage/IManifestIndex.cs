using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Manifests with the digests they reference and their subject, and tags. A manifest row is only written
/// after its bytes were committed in <see cref="IBlobStore"/>. Reads take the caller's token, writes none
/// (see <see cref="IBlobIndex"/>).
/// </summary>
public interface IManifestIndex
{
    ValueTask<ManifestRecord?> GetManifestAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default);

    ValueTask<TagRecord?> GetTagAsync(Repository repository, string tag, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a manifest whose bytes are committed in the blob store, with the digests it references
    /// (blobs and child manifests), and points <paramref name="tag"/> at it when given. One transaction.
    /// <paramref name="linkedBlobs"/> must still be linked to the repository when the row is written (a blob
    /// DELETE may have unlinked one since the push checked it): if one is not, nothing is written and it is
    /// <see cref="ManifestPut.Unlinked"/>. With <paramref name="keepTag"/> the tag may be created or set to
    /// the digest it names already, never moved: when it names another manifest nothing is written and that
    /// digest is <see cref="ManifestPut.TagHeldBy"/>. The check is in the write's own transaction (on the
    /// tag's row, locked), so of two pushes racing to move a kept tag at most one sets it.
    /// </summary>
    Task<ManifestPut> PutManifestAsync(
        Repository repository, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag,
        IReadOnlyCollection<Digest>? linkedBlobs = null, bool keepTag = false);

    /// <summary>Marks a mirror tag as confirmed by its upstream at <paramref name="checkedAt"/>.</summary>
    Task MarkTagCheckedAsync(Repository repository, string tag, DateTimeOffset checkedAt);

    /// <summary>Deletes a manifest and every tag pointing at it; false when it was not there.</summary>
    Task<bool> DeleteManifestAsync(Repository repository, Digest digest);

    Task<bool> DeleteTagAsync(Repository repository, string tag);

    /// <summary>Tags in lexical order after <paramref name="after"/>; null when the repository is unknown.</summary>
    Task<IReadOnlyList<string>?> ListTagsAsync(Repository repository, int limit, string? after, CancellationToken cancellationToken = default);

    /// <summary>
    /// The manifests whose <c>subject</c> is <paramref name="subject"/> (of <paramref name="artifactType"/>
    /// when given), in digest order after <paramref name="after"/>. Rows are read as they are enumerated,
    /// never collected: the caller stops when its page is full. Their
    /// <see cref="ManifestRecord.AnnotationsJson"/> is at most a few KiB (see <see cref="ManifestRecord"/>).
    /// </summary>
    IAsyncEnumerable<ManifestRecord> ListReferrersAsync(
        Repository repository, Digest subject, string? artifactType, Digest? after, CancellationToken cancellationToken = default);
}
