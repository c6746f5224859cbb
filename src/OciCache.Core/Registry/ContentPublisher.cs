using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>
/// The one place the publishing order is coded, for every kind of content (a fill, an upload, an import, a
/// manifest pushed or fetched):
/// <code>
///  verified bytes ──(1) commit: fsync, rename into the store ──▶ (2) rows: blob, links, manifest ──▶ (3) nudge eviction
/// </code>
/// A row is written only after its bytes were committed, so a crash or a failure between (1) and (2) leaves a
/// blob no row names (harmless: garbage collection removes it), never a row without its blob; bytes that do
/// not commit get no row. The eviction nudge comes last, so the budget is checked against what was just
/// recorded.
/// </summary>
public sealed class ContentPublisher(IBlobIndex blobs, IManifestIndex manifests, IBlobStore store, EvictionSignal eviction) : IBlobPublisher
{
    /// <summary>
    /// Commits what <paramref name="writer"/> holds if it hashes to <paramref name="digest"/> (and has
    /// <paramref name="expectedSize"/> bytes when given), then records it for every repository in
    /// <paramref name="repositories"/> (the first gets the blob row, the others a link). The caller still
    /// disposes the writer. Anything but <see cref="BlobCommitResult.Committed"/> means nothing was stored
    /// and nothing recorded.
    /// </summary>
    /// <exception cref="IOException">The store could not take the bytes; nothing was recorded.</exception>
    public async Task<BlobCommitResult> PublishBlobAsync(
        BlobWriter writer, Digest digest, long? expectedSize, IReadOnlyList<Repository> repositories, CancellationToken cancellationToken)
    {
        var size = writer.Length;
        var result = await writer.CommitAsync(digest, expectedSize, cancellationToken);
        if (result == BlobCommitResult.Committed)
        {
            await RecordAsync(digest, size, repositories);
        }

        return result;
    }

    /// <summary>
    /// As <see cref="PublishBlobAsync"/> for bytes the caller verified already (<see cref="BlobWriter.Verify"/>
    /// or <see cref="BlobWriter.VerifyComputed"/>): a fill releases the last byte to its clients between
    /// verifying and this slower part.
    /// </summary>
    /// <exception cref="IOException">The commit failed; nothing was recorded.</exception>
    public async Task PublishVerifiedAsync(BlobWriter writer, Digest digest, long size, IReadOnlyList<Repository> repositories, CancellationToken cancellationToken)
    {
        await writer.PublishAsync(cancellationToken);
        await RecordAsync(digest, size, repositories);
    }

    /// <summary>
    /// The rows for a blob the caller committed earlier in the same piece of work: an import stages (commits)
    /// every blob of a bundle before it records any, so a refused bundle records nothing.
    /// </summary>
    public Task RecordCommittedAsync(Repository repository, Digest digest, long size) => RecordAsync(digest, size, [repository]);

    /// <summary>
    /// Stores a manifest's bytes under <see cref="ManifestRecord.Digest"/> (left as they are when stored
    /// already), then its row with <paramref name="references"/> and <paramref name="tag"/>, as
    /// <see cref="IManifestIndex.PutManifestAsync"/> does (with <paramref name="keepTag"/>, a tag that names
    /// another manifest is not moved): written, or why no row was written (a blob of
    /// <paramref name="linkedBlobs"/> the repository no longer links, or the kept tag's digest). Bytes of a
    /// manifest whose row was refused stay unreferenced until garbage collection.
    /// </summary>
    /// <exception cref="IOException">The bytes could not be stored (or did not hash to the digest); nothing was recorded.</exception>
    public async Task<ManifestPut> PublishManifestAsync(
        Repository repository, ManifestRecord manifest, ReadOnlyMemory<byte> content, IReadOnlyCollection<Digest> references, string? tag,
        IReadOnlyCollection<Digest>? linkedBlobs, bool keepTag, CancellationToken cancellationToken)
    {
        if (await store.PutSmallAsync(manifest.Digest, content, cancellationToken) is not BlobCommitResult.Committed and var result)
        {
            throw new IOException($"manifest {manifest.Digest} could not be stored ({result})");
        }

        var put = await manifests.PutManifestAsync(repository, manifest, references, tag, linkedBlobs, keepTag);
        if (put.IsWritten)
        {
            eviction.Nudge();
        }

        return put;
    }

    private async Task RecordAsync(Digest digest, long size, IReadOnlyList<Repository> repositories)
    {
        var first = repositories[0];
        await blobs.AddBlobAsync(first, digest, size);
        foreach (var other in repositories.Skip(1).Where(r => r != first))
        {
            await blobs.LinkBlobAsync(other, digest);
        }

        eviction.Nudge();
    }
}
