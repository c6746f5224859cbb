using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>
/// Where verified blob bytes go to be kept: commit (fsync, rename) and then the rows, in that order. A fill
/// hands its writer here once the digest checked; <see cref="ContentPublisher"/> is the one implementation.
/// </summary>
internal interface IBlobPublisher
{
    /// <summary>
    /// Commits the verified bytes of <paramref name="writer"/> and records them for every repository in
    /// <paramref name="repositories"/> (the first gets the blob row, the others a link). The caller still
    /// disposes the writer.
    /// </summary>
    /// <exception cref="IOException">The commit failed; nothing was recorded.</exception>
    Task PublishVerifiedAsync(BlobWriter writer, Digest digest, long size, IReadOnlyList<Repository> repositories, CancellationToken cancellationToken);
}
