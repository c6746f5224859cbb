using Microsoft.Win32.SafeHandles;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>The blob store on a local file system, laid out as <see cref="DataLayout"/> describes.</summary>
public sealed class FileBlobStore : IBlobStore, IBlobSink
{
    public FileBlobStore(DataLayout layout)
    {
        Layout = layout;
        layout.EnsureCreated();
    }

    /// <summary>Where the store's files are; for this store and its tests, never for callers of <see cref="IBlobStore"/>.</summary>
    public DataLayout Layout { get; }

    /// <remarks>Completes synchronously: one stat.</remarks>
    public ValueTask<long?> GetLengthAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(Layout.BlobPath(digest));
        return ValueTask.FromResult(info.Exists ? info.Length : (long?)null);
    }

    /// <remarks>
    /// Completes synchronously, with one open (<see cref="FileShare.Delete"/>, so eviction may remove the
    /// file while it is read) and nothing more. The content offers its handle (<see cref="BlobContent.File"/>)
    /// for copying without a stream.
    /// </remarks>
    public ValueTask<BlobContent?> OpenReadAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<BlobContent?>(ContentFile.TryOpenRead(Layout.BlobPath(digest)) is { } handle ? new BlobContent(handle) : null);
    }

    public BlobWriter CreateWriter(string algorithm = Digest.Sha256)
    {
        var path = Layout.NewTempPath();
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
        });
        return new BlobWriter(this, path, file, algorithm, keepOnDispose: false);
    }

    public Task CreateUploadAsync(string uploadId, CancellationToken cancellationToken = default)
    {
        var path = UploadPath(uploadId);
        new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None).Dispose();
        return Task.CompletedTask;
    }

    /// <remarks>The session's file is the writer's own: appends go straight into it, and it stays when the writer is disposed.</remarks>
    public Task<BlobWriter> OpenUploadAsync(string uploadId, long expectedLength, CancellationToken cancellationToken = default) =>
        Task.FromResult(OpenUpload(uploadId, expectedLength));

    public Task CutUploadAsync(string uploadId, long length)
    {
        OpenUpload(uploadId, length).Dispose();
        return Task.CompletedTask;
    }

    private BlobWriter OpenUpload(string uploadId, long expectedLength)
    {
        var path = UploadPath(uploadId);
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
        });
        file.Seek(0, SeekOrigin.End);
        var writer = new BlobWriter(this, path, file, Digest.Sha256, keepOnDispose: true);
        writer.Truncate(expectedLength);
        return writer;
    }

    public Task DeleteUploadAsync(string uploadId)
    {
        if (DataLayout.IsUploadId(uploadId))
        {
            File.Delete(Layout.UploadPath(uploadId));
        }

        return Task.CompletedTask;
    }

    /// <summary>fsyncs the bytes, renames the file under its digest and fsyncs the folder, so the blob is whole on disk.</summary>
    async Task IBlobSink.PublishAsync(FileStream spool, string spoolPath, Digest digest, long length, CancellationToken cancellationToken)
    {
        await spool.FlushAsync(cancellationToken);
        spool.Flush(flushToDisk: true);
        await spool.DisposeAsync();

        var final = Layout.BlobPath(digest);
        var dir = Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(dir);
        File.Move(spoolPath, final, overwrite: true); // same digest means same bytes: replacing a twin is harmless
        FileSync.FlushDirectory(dir);
    }

    SafeFileHandle? IBlobSink.OpenPublished(Digest digest) => ContentFile.TryOpenRead(Layout.BlobPath(digest));

    /// <summary>Nothing to do: an upload session's writer appends to the session's own file.</summary>
    Task IBlobSink.SaveAsync(string spoolPath, long saved, long length, CancellationToken cancellationToken) => Task.CompletedTask;

    public bool Delete(Digest digest)
    {
        var path = Layout.BlobPath(digest);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    public bool Quarantine(Digest digest)
    {
        var path = Layout.BlobPath(digest);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Move(path, Layout.QuarantinePath(digest));
        return true;
    }

    public IEnumerable<StoreFile> EnumerateFiles(StoreArea area)
    {
        var directory = new DirectoryInfo(FolderOf(area));
        if (!directory.Exists)
        {
            yield break;
        }

        var depth = area == StoreArea.Blobs ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
        foreach (var info in directory.EnumerateFiles("*", depth))
        {
            if (Describe(area, info) is { } file)
            {
                yield return file;
            }
        }
    }

    public bool Remove(StoreFile file)
    {
        var path = Contained(file);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    public bool Quarantine(StoreFile file)
    {
        var path = file.Area == StoreArea.Blobs ? Contained(file) : throw new ArgumentException("Only files of blobs/ are quarantined.", nameof(file));
        if (!File.Exists(path))
        {
            return false;
        }

        File.Move(path, file.Digest is { } digest ? Layout.QuarantinePath(digest) : Layout.MalformedQuarantinePath(file.Name), overwrite: true);
        return true;
    }

    public string? ProbeWritable()
    {
        try
        {
            new FileStream(Layout.NewTempPath(), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose).Dispose();
            return null;
        }
        catch (IOException e) when (StorageErrors.IsReadOnly(e))
        {
            return $"the data volume is read-only ({Layout.Root})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the data folder cannot be written ({Layout.Root}): {e.Message}";
        }
    }

    public int CleanTemp()
    {
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(Layout.Temp))
        {
            File.Delete(path);
            removed++;
        }

        return removed;
    }

    private string UploadPath(string uploadId) =>
        DataLayout.IsUploadId(uploadId) ? Layout.UploadPath(uploadId) : throw new ArgumentException("Malformed upload id.", nameof(uploadId));

    private string FolderOf(StoreArea area) => area switch
    {
        StoreArea.Blobs => Layout.Blobs,
        StoreArea.Uploads => Layout.Uploads,
        StoreArea.Temp => Layout.Temp,
        StoreArea.Quarantine => Layout.Quarantine,
        _ => throw new ArgumentOutOfRangeException(nameof(area), area, null),
    };

    private StoreFile? Describe(StoreArea area, FileInfo info)
    {
        try
        {
            var digest = area == StoreArea.Blobs && Layout.TryGetDigestFromPath(info.FullName, out var d) ? d : (Digest?)null;
            return new StoreFile(area, info.FullName, digest, info.Length, info.LastWriteTimeUtc);
        }
        catch (FileNotFoundException)
        {
            return null; // removed while listed
        }
    }

    /// <summary>The file's full path, when it lies in its area of this store (a store never touches files elsewhere).</summary>
    private string Contained(StoreFile file)
    {
        var folder = FolderOf(file.Area) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(file.Path);
        var inside = path.StartsWith(folder, StringComparison.Ordinal) &&
                     (file.Area == StoreArea.Blobs || Path.GetDirectoryName(path) + Path.DirectorySeparatorChar == folder);
        return inside ? path : throw new ArgumentException($"{file.Path} is not in {file.Area} of this store.", nameof(file));
    }
}
