using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Transfer;

/// <summary>Reads a committed manifest whole; manifests are bounded (<see cref="ManifestDocument.MaxSize"/>), blobs are never read this way.</summary>
internal static class ManifestBytes
{
    /// <exception cref="TransferException">The blob is not stored, or is too large to be a manifest.</exception>
    public static async Task<byte[]> ReadAsync(IBlobStore store, Digest digest, CancellationToken cancellationToken)
    {
        if (!store.TryGet(digest, out var stored))
        {
            throw new TransferException($"manifest {digest} is not in the store");
        }

        if (stored.Length > ManifestDocument.MaxSize)
        {
            throw new TransferException($"manifest {digest} has {stored.Length} bytes; manifests are limited to {ManifestDocument.MaxSize}");
        }

        return await File.ReadAllBytesAsync(stored.Path, cancellationToken);
    }
}
