using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Content-addressed bytes, one copy per digest. The store knows nothing of repositories: which repository
/// may see a blob is metadata (<see cref="IBlobIndex"/>).
/// </summary>
/// <remarks>
/// Every change to the store goes through it: writing and publishing (<see cref="BlobWriter"/>), deleting,
/// quarantining, listing and removing leftovers; so does every read of committed content
/// (<see cref="OpenReadAsync"/>). No path of a committed blob leaves the store: a local file is an
/// optimisation <see cref="BlobContent.File"/> may offer, not part of the contract. Content opened stays
/// readable when the blob is deleted meanwhile; a caller that finds the blob gone before it opened it looks
/// it up again. One shared contract suite (<c>BlobStoreContract</c>) runs against every implementation.
/// </remarks>
public interface IBlobStore
{
    /// <summary>The length of a committed blob; null when it is not stored.</summary>
    ValueTask<long?> GetLengthAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a committed blob for reading; null when it is not stored (never stored, or deleted, evicted or
    /// quarantined before the open). The caller disposes the content; its stream is seekable and its length is
    /// the blob's. What was opened stays readable to its end even if the blob is deleted meanwhile.
    /// </summary>
    ValueTask<BlobContent?> OpenReadAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>Starts a new blob in a temp file; nothing is visible until <see cref="BlobWriter.CommitAsync"/> succeeds.</summary>
    BlobWriter CreateWriter(string algorithm = Digest.Sha256);

    /// <summary>
    /// Creates the empty bytes of a new upload session. The only place an upload's bytes are created, so a
    /// request that races the end of its session can never bring them back.
    /// </summary>
    /// <exception cref="IOException">The session's bytes exist already.</exception>
    Task CreateUploadAsync(string uploadId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the bytes of an existing upload session, cut to <paramref name="expectedLength"/> and re-hashed
    /// (shorter when the store holds fewer). Each append is kept for good by <see cref="BlobWriter.SaveAsync"/>,
    /// so the next request may continue the session through another instance of the store (another replica).
    /// </summary>
    /// <exception cref="FileNotFoundException">The session has no bytes (it ended, or was never created).</exception>
    Task<BlobWriter> OpenUploadAsync(string uploadId, long expectedLength, CancellationToken cancellationToken = default);

    /// <summary>Cuts the session's bytes back to <paramref name="length"/> after an append that failed part way.</summary>
    Task CutUploadAsync(string uploadId, long length);

    Task DeleteUploadAsync(string uploadId);

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
}

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
