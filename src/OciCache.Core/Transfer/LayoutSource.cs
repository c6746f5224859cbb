using System.Formats.Tar;
using System.Runtime.CompilerServices;

namespace OciCache.Transfer;

/// <summary>
/// The files of a layout an import reads, one at a time and each streamed: from a folder, or from a tar
/// in one pass, in whatever order its entries come. Bytes read count towards the progress.
/// </summary>
internal abstract class LayoutSource
{
    /// <exception cref="TransferException">Nothing is at <paramref name="path"/>.</exception>
    public static LayoutSource Open(string path, TransferProgress progress) =>
        Directory.Exists(path) ? new FolderSource(path, progress)
        : File.Exists(path) ? new TarSource(path, progress)
        : throw new TransferException($"{path} does not exist");

    /// <summary>Each file, its content readable until the next one is asked for.</summary>
    /// <exception cref="TransferException">A tar's header is cut off or damaged.</exception>
    public abstract IAsyncEnumerable<LayoutFile> ReadAsync(CancellationToken cancellationToken);

    private sealed class FolderSource(string root, TransferProgress progress) : LayoutSource
    {
        public override async IAsyncEnumerable<LayoutFile> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var blobs = Path.Combine(root, OciLayout.BlobsFolder);
            var files = new[] { OciLayout.LayoutFile, OciLayout.IndexFile }.Select(f => Path.Combine(root, f)).Where(File.Exists)
                .Concat(Directory.Exists(blobs) ? Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories) : [])
                .Select(f => new FileInfo(f)).ToList();
            progress.SetTotals(files.Sum(f => f.Length), files.Count(f => f.FullName.StartsWith(blobs, StringComparison.Ordinal)));
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using var content = new CountingStream(
                    new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan), progress);
                yield return new LayoutFile(Path.GetRelativePath(root, file.FullName).Replace('\\', '/'), file.Length, content);
            }
        }
    }

    private sealed class TarSource(string path, TransferProgress progress) : LayoutSource
    {
        public override async IAsyncEnumerable<LayoutFile> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var archive = new CountingStream(
                new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan), progress);
            progress.SetTotals(archive.Length, 0);
            await using var reader = new TarReader(archive);
            string? last = null;
            while (await NextAsync(reader, last, cancellationToken) is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
                {
                    last = OciLayout.Normalize(entry.Name);
                    yield return new LayoutFile(last, entry.Length, entry.DataStream ?? Stream.Null);
                }
            }
        }

        private static async Task<TarEntry?> NextAsync(TarReader reader, string? last, CancellationToken cancellationToken)
        {
            try
            {
                return await reader.GetNextEntryAsync(copyData: false, cancellationToken);
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException)
            {
                throw new TransferException(last is null
                    ? "the tar is truncated or damaged at its start"
                    : $"the tar is truncated or damaged after {last}{(OciLayout.TryParseBlobPath(last, out var d) ? $" (blob {d})" : "")}");
            }
        }
    }
}

/// <summary>A file of a layout: its path inside the layout, its length as the source states it, and its bytes.</summary>
internal sealed record LayoutFile(string Path, long Length, Stream Content);
