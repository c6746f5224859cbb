using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// What the registry knows about its content: repositories, which repository may see which blob,
/// manifests with their references and subjects, tags, and upload sessions. Bytes live in
/// <see cref="IBlobStore"/>; a row here is only written after the bytes it describes were committed.
/// Repositories are addressed by their stored name (a mirror repository's name starts with its upstream).
/// </summary>
public interface IMetadataIndex
{
    // Repositories
    bool RepositoryExists(string repository);

    IReadOnlyList<string> ListRepositories(int limit, string? after);

    // Blobs
    BlobRecord? GetBlob(Digest digest);

    /// <summary>The size of the blob when <paramref name="repository"/> links it, otherwise null.</summary>
    long? GetLinkedBlobSize(string repository, Digest digest);

    /// <summary>Records a committed blob and links it to the repository (created when new).</summary>
    void AddBlob(string repository, string? upstream, Digest digest, long size);

    /// <summary>As <see cref="AddBlob"/>; the caller's thread is free while the write waits for the database.</summary>
    Task AddBlobAsync(string repository, string? upstream, Digest digest, long size);

    /// <summary>Links an already stored blob to another repository; false when the blob is unknown.</summary>
    Task<bool> LinkBlobAsync(string repository, string? upstream, Digest digest);

    /// <summary>As <see cref="LinkBlobAsync"/>, for background work that may block its thread.</summary>
    bool LinkBlob(string repository, string? upstream, Digest digest) => LinkBlobAsync(repository, upstream, digest).GetAwaiter().GetResult();

    /// <summary>
    /// Unlinks the blob from the repository, unless a manifest of the repository references it: then the
    /// link stays (deleting it would break that image) and the answer is <see cref="BlobUnlink.Referenced"/>.
    /// Check and unlink are one write, so no manifest can start needing the blob in between.
    /// </summary>
    Task<BlobUnlink> UnlinkBlobAsync(string repository, Digest digest);

    BlobUnlink UnlinkBlob(string repository, Digest digest) => UnlinkBlobAsync(repository, digest).GetAwaiter().GetResult();

    /// <summary>True when a manifest of the repository references the digest (as a blob or a child manifest).</summary>
    bool IsReferencedBy(string repository, Digest digest);

    /// <summary>True when a mirror repository of <paramref name="upstream"/> links the blob (that upstream's bytes).</summary>
    bool IsLinkedFromUpstream(string upstream, Digest digest);

    /// <summary>Drops the blob row and every link and manifest that depends on it (repair of a lost or corrupt blob).</summary>
    void RemoveBlob(Digest digest);

    IEnumerable<BlobRecord> EnumerateBlobs();

    // Manifests and tags
    ManifestRecord? GetManifest(string repository, Digest digest);

    TagRecord? GetTag(string repository, string tag);

    /// <summary>
    /// Records a manifest whose bytes are committed in the blob store, with the digests it references
    /// (blobs and child manifests), and points <paramref name="tag"/> at it when given. One transaction.
    /// </summary>
    void PutManifest(string repository, string? upstream, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag);

    /// <summary>
    /// As <see cref="PutManifest"/>; the caller's thread is free while the write waits for the database.
    /// <paramref name="linkedBlobs"/> must still be linked to the repository when the row is written (a blob
    /// DELETE may have unlinked one since the push checked it): if one is not, nothing is written and it is
    /// returned; null when the manifest was written.
    /// </summary>
    Task<Digest?> PutManifestAsync(
        string repository, string? upstream, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag,
        IReadOnlyCollection<Digest>? linkedBlobs = null);

    /// <summary>Marks a mirror tag as confirmed by its upstream at <paramref name="checkedAt"/>.</summary>
    Task MarkTagCheckedAsync(string repository, string tag, DateTimeOffset checkedAt);

    /// <summary>Deletes a manifest and every tag pointing at it; false when it was not there.</summary>
    Task<bool> DeleteManifestAsync(string repository, Digest digest);

    Task<bool> DeleteTagAsync(string repository, string tag);

    // Synchronous forms of the writes above, for tests and background work that may block its thread.
    void MarkTagChecked(string repository, string tag, DateTimeOffset checkedAt) => MarkTagCheckedAsync(repository, tag, checkedAt).GetAwaiter().GetResult();

    bool DeleteManifest(string repository, Digest digest) => DeleteManifestAsync(repository, digest).GetAwaiter().GetResult();

    bool DeleteTag(string repository, string tag) => DeleteTagAsync(repository, tag).GetAwaiter().GetResult();

    /// <summary>Tags in lexical order after <paramref name="after"/>; null when the repository is unknown.</summary>
    IReadOnlyList<string>? ListTags(string repository, int limit, string? after);

    /// <summary>
    /// The manifests whose <c>subject</c> is <paramref name="subject"/> (of <paramref name="artifactType"/>
    /// when given), in digest order after <paramref name="after"/>, passed to <paramref name="visit"/> one at a
    /// time until it returns false: rows are read as they are visited, never collected. Their
    /// <see cref="ManifestRecord.AnnotationsJson"/> is at most a few KiB (see <see cref="ManifestRecord"/>).
    /// </summary>
    void ListReferrers(string repository, Digest subject, string? artifactType, Digest? after, Func<ManifestRecord, bool> visit);

    // Lifecycle

    /// <summary>Bytes of content no local repository needs: what the cache budget counts.</summary>
    long GetCachedBytes();

    /// <summary>Records last-access times in one batch (access is tracked in memory, not per request).</summary>
    void TouchBlobs(IReadOnlyCollection<KeyValuePair<Digest, DateTimeOffset>> accesses);

    /// <summary>Root manifests (of mirror repositories, and local ones when asked) and unreferenced blobs, least recently used first.</summary>
    IReadOnlyList<EvictionCandidate> ListEvictionCandidates(bool includeLocal);

    /// <summary>
    /// Deletes a manifest with its tags, and the child manifests only it held on to; returns every digest
    /// the deleted manifests were or referenced (to check which blobs are no longer needed).
    /// </summary>
    IReadOnlyList<Digest> DeleteManifestTree(string repository, Digest root);

    /// <summary>Blobs no manifest needs and that <paramref name="scope"/> does not keep, optionally among some digests.</summary>
    IReadOnlyList<BlobRecord> ListUnneededBlobs(IReadOnlyCollection<Digest>? among, UnneededScope scope);

    /// <summary>Stamps local blob links that no manifest of their repository references (and clears stamps no longer true).</summary>
    void MarkOrphanedLinks(DateTimeOffset now);

    /// <summary>Removes local blob links stamped as orphaned before <paramref name="before"/>.</summary>
    int DeleteOrphanedLinks(DateTimeOffset before);

    // Upload sessions
    Task CreateUploadAsync(UploadRecord upload);

    void CreateUpload(UploadRecord upload) => CreateUploadAsync(upload).GetAwaiter().GetResult();

    UploadRecord? GetUpload(string id);

    void SetUploadSize(string id, long size, DateTimeOffset updatedAt);

    /// <summary>As <see cref="SetUploadSize"/>; the caller's thread is free while the write waits for the database.</summary>
    Task SetUploadSizeAsync(string id, long size, DateTimeOffset updatedAt);

    Task DeleteUploadAsync(string id);

    void DeleteUpload(string id) => DeleteUploadAsync(id).GetAwaiter().GetResult();

    IReadOnlyList<UploadRecord> ListUploads();
}

public sealed record BlobRecord(Digest Digest, long Size, DateTimeOffset CreatedAt, DateTimeOffset LastAccess);

public sealed record ManifestRecord(Digest Digest, string MediaType, long Size)
{
    public string? ArtifactType { get; init; }

    public Digest? Subject { get; init; }

    /// <summary>
    /// The annotations a referrers descriptor shows: the manifest's, cut to
    /// <see cref="AnnotationLimits.MaxDescriptorBytes"/> when stored (its bytes in the blob store hold them
    /// all). A row stored before the cut existed is read back without them when they are longer.
    /// </summary>
    public string? AnnotationsJson { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A tag. <see cref="CheckedAt"/> is when a mirror tag was last confirmed upstream.</summary>
public sealed record TagRecord(string Name, Digest Digest, DateTimeOffset UpdatedAt, DateTimeOffset CheckedAt);

public sealed record UploadRecord(string Id, string Repository, long Size, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt);
