using OciCache.Oci;
using OciCache.Storage;
using OciCache.Testing.Storage;

namespace OciCache.Tests.Storage;

/// <summary>The contract for the store on a local file system, and what only a file store can be asked (files planted behind its back).</summary>
public sealed class FileBlobStoreTests : BlobStoreContract
{
    private FileBlobStore FileStore => (FileBlobStore)Store;

    protected override IBlobStore CreateStore(string root) => new FileBlobStore(new DataLayout(root));

    [Fact]
    public void Remove_AFileOutsideItsArea_Throws()
    {
        var outside = new StoreFile(StoreArea.Uploads, Path.Combine(Temp.Path, "..", "elsewhere"), null, 0, DateTimeOffset.UnixEpoch);
        var nested = new StoreFile(StoreArea.Uploads, Path.Combine(FileStore.Layout.Uploads, "a", "b"), null, 0, DateTimeOffset.UnixEpoch);

        Assert.Throws<ArgumentException>(() => Store.Remove(outside));
        Assert.Throws<ArgumentException>(() => Store.Remove(nested));
        Assert.Throws<ArgumentException>(() => Store.Quarantine(nested));
    }

    [Fact]
    public void Quarantine_AMalformedBlobFile_MovesItOutOfBlobs()
    {
        // Planted behind the store's back, as a person or a bad restore might.
        var folder = Directory.CreateDirectory(Path.Combine(FileStore.Layout.Blobs, Digest.Sha256, "zz"));
        File.WriteAllText(Path.Combine(folder.FullName, "not-a-digest"), "x");

        var malformed = Assert.Single(Store.EnumerateFiles(StoreArea.Blobs));
        Assert.Null(malformed.Digest);
        Assert.True(Store.Quarantine(malformed));
        Assert.Empty(Store.EnumerateFiles(StoreArea.Blobs));
        Assert.Single(Store.EnumerateFiles(StoreArea.Quarantine));
    }

    [Fact]
    public async Task OpenRead_OffersTheFileForTheZeroCopyPath()
    {
        var blob = TestBlob.Random(4096, seed: 30);
        await using (var writer = Store.CreateWriter())
        {
            await writer.WriteAsync(blob.Bytes);
            Assert.Equal(BlobCommitResult.Committed, await writer.CommitAsync(blob.Digest));
        }

        await using var content = await Store.OpenReadAsync(blob.Digest);
        var file = Assert.IsType<Microsoft.Win32.SafeHandles.SafeFileHandle>(content!.File);
        var head = new byte[16];
        Assert.Equal(16, await RandomAccess.ReadAsync(file, head, 100));
        Assert.Equal(blob.Bytes.AsSpan(100, 16).ToArray(), head);
    }

    [Fact]
    public async Task Reserve_AKnownLength_AllocatesTheSpaceButKeepsTheFileLengthAndTheBlobCommitsWhole()
    {
        var blob = TestBlob.Random(1 << 20, seed: 31);
        await using var writer = Store.CreateWriter();

        Assert.True(writer.Reserve(blob.Bytes.Length));
        Assert.Equal(0, new FileInfo(writer.TempPath).Length);
        Assert.True(await FileAllocation.BytesAsync(writer.TempPath) >= blob.Bytes.Length, "the space was not allocated");

        await writer.WriteAsync(blob.Bytes);
        Assert.Equal(BlobCommitResult.Committed, await writer.CommitAsync(blob.Digest, blob.Bytes.Length));
        await using var content = await Store.OpenReadAsync(blob.Digest);
        Assert.Equal(blob.Bytes.Length, RandomAccess.GetLength(content!.File!));
    }
}
