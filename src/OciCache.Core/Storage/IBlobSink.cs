using Microsoft.Win32.SafeHandles;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// The store's half of a <see cref="BlobWriter"/>: the writer spools into a local file while hashing and
/// verifies; the sink makes the verified file the blob, wherever the store keeps its blobs.
/// <code>
///  writes ──▶ tmp/&lt;id&gt;.part (hashed; fills' followers read it as it grows)
///               │ verified (digest and size)
///               ▼ sink.PublishAsync
///  file store:  fsync, rename into blobs/, fsync the folder       (the spool becomes the blob)
///  S3 store:    PUT or multipart upload to blobs/sha256/&lt;hex&gt;, then the spool is deleted
/// </code>
/// </summary>
internal interface IBlobSink
{
    /// <summary>
    /// Publishes the verified bytes of <paramref name="spool"/> (open for writing, at its end; the sink
    /// disposes it) as <paramref name="digest"/>. On return the blob is stored and visible under its digest,
    /// and the spool file is gone (moved or deleted; a reader that opened it keeps its handle).
    /// </summary>
    Task PublishAsync(FileStream spool, string spoolPath, Digest digest, long length, CancellationToken cancellationToken);

    /// <summary>A read handle on the published blob when the store keeps it as a local file; null otherwise.</summary>
    SafeFileHandle? OpenPublished(Digest digest);

    /// <summary>
    /// Keeps the spool's bytes from <paramref name="saved"/> to <paramref name="length"/> for good (an upload
    /// session's append); a file store's upload file is the session already.
    /// </summary>
    Task SaveAsync(string spoolPath, long saved, long length, CancellationToken cancellationToken);
}
