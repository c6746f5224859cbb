using System.Buffers;
using System.Security.Cryptography;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Transfer;

/// <summary>
/// The first pass of an import: every blob of the bundle is streamed into a temp file of the store while
/// it is hashed, and published only when its bytes hash to its name (a blob the store holds already is
/// only hashed). Content-addressed files are safe to publish early: without a row nothing serves them, and
/// garbage collection removes them if no row ever comes. The index and layout files are kept in memory.
/// </summary>
internal sealed class BundleStager(IBlobStore store, TransferProgress progress)
{
    private const int SmallFileLimit = ManifestDocument.MaxSize;
    private const int BufferSize = 256 * 1024;

    /// <summary>Every verified blob with its length.</summary>
    public Dictionary<Digest, long> Blobs { get; } = [];

    /// <summary>The blobs this import published: the store did not hold them before.</summary>
    public HashSet<Digest> Published { get; } = [];

    public byte[]? Index { get; private set; }

    public byte[]? LayoutFile { get; private set; }

    /// <exception cref="TransferException">A blob is truncated or its bytes do not hash to its name; the message names it.</exception>
    public async Task StageAsync(LayoutSource source, CancellationToken cancellationToken)
    {
        await foreach (var file in source.ReadAsync(cancellationToken))
        {
            if (file.Path == OciLayout.IndexFile)
            {
                Index = await ReadSmallAsync(file, cancellationToken);
            }
            else if (file.Path == OciLayout.LayoutFile)
            {
                LayoutFile = await ReadSmallAsync(file, cancellationToken);
            }
            else if (OciLayout.TryParseBlobPath(file.Path, out var digest))
            {
                await StageBlobAsync(digest, file, cancellationToken);
                Blobs[digest] = file.Length;
                progress.BlobDone();
            }
            else if (file.Path.StartsWith(OciLayout.BlobsFolder + "/", StringComparison.Ordinal))
            {
                throw new TransferException($"{file.Path} is not named by a digest (blobs/<algorithm>/<hex>)");
            }
        }
    }

    private async Task StageBlobAsync(Digest digest, LayoutFile file, CancellationToken cancellationToken)
    {
        if (await store.GetLengthAsync(digest, cancellationToken) == file.Length)
        {
            using var hash = IncrementalHash.CreateHash(Digest.HashAlgorithmFor(digest.Algorithm));
            await CopyAsync(digest, file, data =>
            {
                hash.AppendData(data.Span);
                return ValueTask.CompletedTask;
            }, cancellationToken);
            if (Digest.FromHash(digest.Algorithm, hash.GetHashAndReset()) != digest)
            {
                throw Mismatch(digest);
            }

            return;
        }

        await using var writer = store.CreateWriter(digest.Algorithm);
        await CopyAsync(digest, file, data => writer.WriteAsync(data, cancellationToken), cancellationToken);
        if (await writer.CommitAsync(digest, file.Length, cancellationToken) != BlobCommitResult.Committed)
        {
            throw Mismatch(digest);
        }

        Published.Add(digest);
    }

    /// <summary>
    /// Copies the file's bytes to <paramref name="sink"/>, never more than its stated length (what follows is
    /// not read: a file that grows without end cannot hold the import); fewer is a truncated bundle.
    /// </summary>
    private static async Task CopyAsync(Digest digest, LayoutFile file, Func<ReadOnlyMemory<byte>, ValueTask> sink, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long copied = 0;
        try
        {
            int read;
            while (copied < file.Length &&
                   (read = await file.Content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, file.Length - copied)), cancellationToken)) > 0)
            {
                await sink(buffer.AsMemory(0, read));
                copied += read;
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            // The tar ended inside this entry's data.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (copied < file.Length)
        {
            throw new TransferException($"blob {digest} is truncated: the bundle holds {copied} of its {file.Length} bytes");
        }
    }

    private static async Task<byte[]> ReadSmallAsync(LayoutFile file, CancellationToken cancellationToken)
    {
        if (file.Length > SmallFileLimit)
        {
            throw new TransferException($"{file.Path} has {file.Length} bytes; at most {SmallFileLimit} are read");
        }

        var content = new byte[file.Length];
        var read = 0;
        while (read < content.Length && await file.Content.ReadAsync(content.AsMemory(read), cancellationToken) is var n and > 0)
        {
            read += n;
        }

        return read == content.Length
            ? content
            : throw new TransferException($"{file.Path} is truncated: the bundle holds {read} of its {file.Length} bytes");
    }

    private static TransferException Mismatch(Digest digest) =>
        new($"blob {digest} fails verification: hash mismatch (its bytes in the bundle do not hash to its name)");
}
