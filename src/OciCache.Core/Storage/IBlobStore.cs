using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Content-addressed bytes, one copy per digest. The store knows nothing of repositories: which repository
/// may see a blob is metadata (<see cref="IMetadataIndex"/>).
/// </summary>
public interface IBlobStore
{
    /// <summary>The path of a committed blob and its length, or false when it is not stored.</summary>
    bool TryGet(Digest digest, out StoredBlob blob);

    /// <summary>Starts a new blob in a temp file; nothing is visible until <see cref="BlobWriter.CommitAsync"/> succeeds.</summary>
    BlobWriter CreateWriter(string algorithm = Digest.Sha256);

    /// <summary>Opens (or creates) the bytes of an upload session, re-hashing what is already there.</summary>
    BlobWriter OpenUpload(string uploadId, long expectedLength);

    void DeleteUpload(string uploadId);

    /// <summary>Removes a committed blob; false when it was not there.</summary>
    bool Delete(Digest digest);

    /// <summary>Moves a blob that failed verification out of <c>blobs/</c>; false when it was not there.</summary>
    bool Quarantine(Digest digest);

    /// <summary>Every file under <c>blobs/</c>, with the digest its name claims (null when the name is malformed).</summary>
    IEnumerable<(string Path, Digest? Digest)> EnumerateFiles();

    /// <summary>Deletes leftovers of writes that never committed. Called once at start, before serving.</summary>
    int CleanTemp();

    DataLayout Layout { get; }
}

/// <summary>A committed blob: <see cref="Path"/> hashes to its digest and holds <see cref="Length"/> bytes.</summary>
public readonly record struct StoredBlob(string Path, long Length);
