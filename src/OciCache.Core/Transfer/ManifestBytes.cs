using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Transfer;

/// <summary>Reads a committed manifest whole; manifests are bounded (<see cref="ManifestDocument.MaxSize"/>), blobs are never read this way.</summary>
internal static class ManifestBytes
{
    /// <exception cref="TransferException">The blob is not stored, or is too large to be a manifest.</exception>
    public static async Task<byte[]> ReadAsync(IBlobStore store, Digest digest, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(digest, cancellationToken)
            ?? throw new TransferException($"manifest {digest} is not in the store");
        if (content.Length > ManifestDocument.MaxSize)
        {
            throw new TransferException($"manifest {digest} has {content.Length} bytes; manifests are limited to {ManifestDocument.MaxSize}");
        }

        return await content.ReadAllAsync(cancellationToken);
    }
}
