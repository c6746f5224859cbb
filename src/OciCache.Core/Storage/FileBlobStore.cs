using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>The blob store on a local file system, laid out as <see cref="DataLayout"/> describes.</summary>
public sealed class FileBlobStore : IBlobStore
{
    public FileBlobStore(DataLayout layout)
    {
        Layout = layout;
        layout.EnsureCreated();
    }

    public DataLayout Layout { get; }

    public bool TryGet(Digest digest, out StoredBlob blob)
    {
        var path = Layout.BlobPath(digest);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            blob = default;
            return false;
        }

        blob = new StoredBlob(path, info.Length);
        return true;
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
        return new BlobWriter(Layout, path, file, algorithm, keepOnDispose: false);
    }

    public BlobWriter OpenUpload(string uploadId, long expectedLength)
    {
        if (!DataLayout.IsUploadId(uploadId))
        {
            throw new ArgumentException("Malformed upload id.", nameof(uploadId));
        }

        var path = Layout.UploadPath(uploadId);
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
        });
        file.Seek(0, SeekOrigin.End);
        var writer = new BlobWriter(Layout, path, file, Digest.Sha256, keepOnDispose: true);
        writer.Truncate(expectedLength);
        return writer;
    }

    public void DeleteUpload(string uploadId)
    {
        if (DataLayout.IsUploadId(uploadId))
        {
            File.Delete(Layout.UploadPath(uploadId));
        }
    }

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

    public IEnumerable<(string Path, Digest? Digest)> EnumerateFiles()
    {
        if (!Directory.Exists(Layout.Blobs))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(Layout.Blobs, "*", SearchOption.AllDirectories))
        {
            yield return (path, Layout.TryGetDigestFromPath(path, out var digest) ? digest : null);
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
}
