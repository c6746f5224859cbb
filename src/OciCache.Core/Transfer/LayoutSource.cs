using System.Formats.Tar;
using System.Runtime.CompilerServices;
using OciCache.Storage;

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

    /// <summary>
    /// A layout folder: only regular files and folders are read, and a link is never followed (not even to
    /// a file inside the layout): a link to <c>/dev/zero</c>, a FIFO or a device would be read without end
    /// or block the import, and a link could take it out of the layout.
    /// </summary>
    private sealed class FolderSource(string root, TransferProgress progress) : LayoutSource
    {
        public override async IAsyncEnumerable<LayoutFile> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var files = new List<FileInfo>();
            foreach (var name in new[] { OciLayout.LayoutFile, OciLayout.IndexFile })
            {
                if (Check(Path.Combine(root, name)) == FileKind.Regular)
                {
                    files.Add(new FileInfo(Path.Combine(root, name)));
                }
            }

            var folders = new Stack<string>();
            if (Check(Path.Combine(root, OciLayout.BlobsFolder)) == FileKind.Directory)
            {
                folders.Push(Path.Combine(root, OciLayout.BlobsFolder));
            }

            var blobs = 0;
            while (folders.TryPop(out var folder))
            {
                foreach (var path in Directory.EnumerateFileSystemEntries(folder))
                {
                    if (Check(path) == FileKind.Directory)
                    {
                        folders.Push(path);
                    }
                    else
                    {
                        files.Add(new FileInfo(path));
                        blobs++;
                    }
                }
            }

            progress.SetTotals(files.Sum(f => f.Length), blobs);
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using var content = new CountingStream(
                    new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan), progress);
                yield return new LayoutFile(Relative(file.FullName), file.Length, content);
            }
        }

        /// <exception cref="TransferException">The path is a link, FIFO, socket or device.</exception>
        private FileKind Check(string path) => FileKinds.Of(path) switch
        {
            (FileKind.Link or FileKind.Special) and var kind =>
                throw new TransferException($"{Relative(path)} is {(kind == FileKind.Link ? "a symbolic link" : "a FIFO, socket or device")}, " +
                                            "not a regular file or folder: a layout is read only from those, and links are not followed"),
            var kind => kind,
        };

        private string Relative(string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
    }

    private sealed class TarSource(string path, TransferProgress progress) : LayoutSource
    {
        private const int TarBlock = 512;

        public override async IAsyncEnumerable<LayoutFile> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var archive = new CountingStream(
                new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan), progress);
            progress.SetTotals(archive.Length, 0);
            await using var reader = new TarReader(archive);
            string? last = null;
            while (await NextAsync(reader, archive, last, cancellationToken) is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
                {
                    last = OciLayout.Normalize(entry.Name);
                    yield return new LayoutFile(last, entry.Length, entry.DataStream ?? Stream.Null);
                }
            }
        }

        private async Task<TarEntry?> NextAsync(TarReader reader, Stream archive, string? last, CancellationToken cancellationToken)
        {
            try
            {
                return await reader.GetNextEntryAsync(copyData: false, cancellationToken);
            }
            catch (NotSupportedException)
            {
                // An entry type the reader cannot read (a GNU sparse file, say), refused when its header was read.
                var name = NameOfHeaderAt(archive.Position - TarBlock);
                throw new TransferException($"the tar entry {name ?? $"after {last ?? "the start"}"} is of a type import does not read " +
                                            "(a sparse file, say): a layout holds only regular files; write it with tar's defaults");
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException)
            {
                throw new TransferException(last is null
                    ? "the tar is truncated or damaged at its start"
                    : $"the tar is truncated or damaged after {last}{(OciLayout.TryParseBlobPath(last, out var d) ? $" (blob {d})" : "")}");
            }
        }

        /// <summary>The name field of the header block at <paramref name="offset"/> (ustar prefix included), or null when there is none.</summary>
        private string? NameOfHeaderAt(long offset)
        {
            if (offset < 0)
            {
                return null;
            }

            var header = new byte[TarBlock];
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            file.Position = offset;
            if (file.ReadAtLeast(header, TarBlock, throwOnEndOfStream: false) < TarBlock)
            {
                return null;
            }

            static string Field(ReadOnlySpan<byte> field) => System.Text.Encoding.UTF8.GetString(field[..(field.IndexOf((byte)0) is >= 0 and var end ? end : field.Length)]);
            var name = Field(header.AsSpan(0, 100));
            var prefix = header.AsSpan(257, 6).SequenceEqual("ustar\0"u8) ? Field(header.AsSpan(345, 155)) : "";
            name = prefix.Length > 0 ? $"{prefix}/{name}" : name;
            return name.Length > 0 ? OciLayout.Normalize(name) : null;
        }
    }
}

/// <summary>A file of a layout: its path inside the layout, its length as the source states it, and its bytes.</summary>
internal sealed record LayoutFile(string Path, long Length, Stream Content);
