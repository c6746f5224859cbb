using OciCache.Oci;

namespace OciCache.Storage;

public static class BlobStoreExtensions
{
    /// <summary>
    /// Stores a small payload held in memory (a manifest) under its digest, verified like any blob.
    /// Already stored content is left as it is.
    /// </summary>
    public static async Task<BlobCommitResult> PutSmallAsync(this IBlobStore store, Digest digest, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (await store.GetLengthAsync(digest, cancellationToken) is not null)
        {
            return BlobCommitResult.Committed;
        }

        await using var writer = store.CreateWriter(digest.Algorithm);
        await writer.WriteAsync(content, cancellationToken);
        return await writer.CommitAsync(digest, content.Length, cancellationToken);
    }
}
