using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Content-addressed bytes, one copy per digest. The store knows nothing of repositories: which repository
/// may see a blob is metadata (<see cref="IBlobIndex"/>).
/// </summary>
/// <remarks>
/// Every change to the data folder's files goes through the store: writing and publishing
/// (<see cref="BlobWriter"/>), deleting, quarantining, listing and removing leftovers. Reading does not:
/// a committed blob is served from its file (<see cref="StoredBlob.Path"/>, so the kernel copies it), opened
/// with <see cref="FileShare.Delete"/> because eviction may remove it meanwhile; a reader whose file
/// vanished looks the blob up again. One shared contract suite (<c>BlobStoreContract</c>) runs against
/// every implementation.
/// </remarks>
public interface IBlobStore
{
    /// <summary>The path of a committed blob and its length, or false when it is not stored.</summary>
    bool TryGet(Digest digest, out StoredBlob blob);

    /// <summary>Starts a new blob in a temp file; nothing is visible until <see cref="BlobWriter.CommitAsync"/> succeeds.</summary>
    BlobWriter CreateWriter(string algorithm = Digest.Sha256);

    /// <summary>
    /// Creates the empty file of a new upload session. The only place an upload file is created, so a
    /// request that races the end of its session can never bring the file back.
    /// </summary>
    /// <exception cref="IOException">The session's file exists already.</exception>
    void CreateUpload(string uploadId);

    /// <summary>Opens the bytes of an existing upload session, cut to <paramref name="expectedLength"/> and re-hashed.</summary>
    /// <exception cref="FileNotFoundException">The session has no file (it ended, or was never created).</exception>
    BlobWriter OpenUpload(string uploadId, long expectedLength);

    void DeleteUpload(string uploadId);

    /// <summary>Removes a committed blob; false when it was not there.</summary>
    bool Delete(Digest digest);

    /// <summary>Moves a blob that failed verification out of <c>blobs/</c>; false when it was not there.</summary>
    bool Quarantine(Digest digest);

    /// <summary>
    /// Every file in one area of the store, as it is on disk: for <see cref="StoreArea.Blobs"/> with the digest
    /// its name claims (null when the name is malformed), for <see cref="StoreArea.Uploads"/> named by the
    /// session id. Files that vanish while listed are left out.
    /// </summary>
    IEnumerable<StoreFile> EnumerateFiles(StoreArea area);

    /// <summary>
    /// Removes a file <see cref="EnumerateFiles"/> listed: a leftover (a blob file without a row, an upload
    /// file without a session). False when it was gone already.
    /// </summary>
    /// <exception cref="ArgumentException">The file is not in its area of this store.</exception>
    bool Remove(StoreFile file);

    /// <summary>Moves a file of <c>blobs/</c> that <see cref="EnumerateFiles"/> listed (a malformed name) to quarantine.</summary>
    /// <exception cref="ArgumentException">The file is not in <c>blobs/</c> of this store.</exception>
    bool Quarantine(StoreFile file);

    /// <summary>
    /// Whether the store can take a write now: creates and removes an empty file where writes begin.
    /// Null when it can, else why not (read-only volume, folder gone, no permission). A full volume still
    /// takes the probe; its writes are refused one by one (507).
    /// </summary>
    string? ProbeWritable();

    /// <summary>Deletes leftovers of writes that never committed. Called once at start, before serving.</summary>
    int CleanTemp();

    /// <summary>
    /// Where the store's files are. Outside the store only to locate a committed blob for reading without
    /// a stat (a HEAD answered from metadata, a fill's reader after the commit).
    /// </summary>
    DataLayout Layout { get; }
}

/// <summary>A committed blob: <see cref="Path"/> hashes to its digest and holds <see cref="Length"/> bytes.</summary>
public readonly record struct StoredBlob(string Path, long Length);

/// <summary>The folders of the store, as <see cref="DataLayout"/> describes them.</summary>
public enum StoreArea
{
    Blobs,
    Uploads,
    Temp,
    Quarantine,
}

/// <summary>A file as <see cref="IBlobStore.EnumerateFiles"/> found it.</summary>
public sealed record StoreFile(StoreArea Area, string Path, Digest? Digest, long Length, DateTimeOffset LastWrite)
{
    /// <summary>The file name: for an upload, its session id.</summary>
    public string Name => System.IO.Path.GetFileName(Path);
}
