using System.Formats.Tar;

namespace OciCache.Transfer;

/// <summary>
/// Where an export writes its layout: a folder, or a tar of the same files. Everything is written under a
/// temp name beside the target and renamed into place by <see cref="CompleteAsync"/>; disposed without it,
/// the temp copy is deleted, so a failed export leaves nothing partial behind.
/// </summary>
internal abstract class LayoutTarget : IAsyncDisposable
{
    /// <summary>A folder target, or a tar when the path ends in <c>.tar</c>.</summary>
    /// <exception cref="TransferException">The target exists (a non-empty folder, or any file).</exception>
    public static LayoutTarget Create(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full) || (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any()))
        {
            throw new TransferException($"{path} exists already; export to a new folder or file");
        }

        var parent = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(parent))
        {
            throw new TransferException($"{parent} does not exist");
        }

        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.partial-{Guid.NewGuid():N}");
        return full.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) ? new TarTarget(full, temp) : new FolderTarget(full, temp);
    }

    /// <summary>Writes one file of the layout (a path as in <see cref="OciLayout.BlobPath"/>), streamed from <paramref name="content"/>.</summary>
    public abstract Task AddAsync(string path, Stream content, CancellationToken cancellationToken);

    /// <summary>Makes the layout appear under the target name, whole.</summary>
    public abstract Task CompleteAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    private sealed class FolderTarget(string target, string temp) : LayoutTarget
    {
        private bool _completed;

        public override async Task AddAsync(string path, Stream content, CancellationToken cancellationToken)
        {
            var file = Path.Combine(temp, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await using var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await content.CopyToAsync(output, 256 * 1024, cancellationToken);
        }

        public override Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (Directory.Exists(target))
            {
                Directory.Delete(target); // checked empty when the export began
            }

            Directory.Move(temp, target);
            _completed = true;
            return Task.CompletedTask;
        }

        public override ValueTask DisposeAsync()
        {
            if (!_completed && Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A POSIX (pax) tar; each entry's data is streamed from its source into the archive.</summary>
    private sealed class TarTarget : LayoutTarget
    {
        private readonly string _target;
        private readonly string _temp;
        private readonly FileStream _file;
        private readonly TarWriter _writer;
        private readonly HashSet<string> _folders = [];
        private bool _completed;

        public TarTarget(string target, string temp)
        {
            _target = target;
            _temp = temp;
            _file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.Asynchronous);
            _writer = new TarWriter(_file, TarEntryFormat.Pax, leaveOpen: true);
        }

        public override async Task AddAsync(string path, Stream content, CancellationToken cancellationToken)
        {
            for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
            {
                if (_folders.Add(path[..slash]))
                {
                    await _writer.WriteEntryAsync(Entry(TarEntryType.Directory, path[..(slash + 1)], null), cancellationToken);
                }
            }

            await _writer.WriteEntryAsync(Entry(TarEntryType.RegularFile, path, content), cancellationToken);
        }

        public override async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await _writer.DisposeAsync(); // writes the end-of-archive blocks
            await _file.FlushAsync(cancellationToken);
            _file.Flush(flushToDisk: true);
            await _file.DisposeAsync();
            File.Move(_temp, _target);
            _completed = true;
        }

        public override async ValueTask DisposeAsync()
        {
            await _writer.DisposeAsync();
            await _file.DisposeAsync();
            if (!_completed)
            {
                File.Delete(_temp);
            }
        }

        private static PaxTarEntry Entry(TarEntryType type, string name, Stream? data)
        {
            var entry = Header(type, name);
            if (data is not null)
            {
                entry.DataStream = data;
            }

            return entry;
        }

        private static PaxTarEntry Header(TarEntryType type, string name) => new(type, name)
        {
            ModificationTime = DateTimeOffset.UnixEpoch,
            Mode = type == TarEntryType.Directory
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
    }
}
