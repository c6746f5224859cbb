using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Tests.Storage;

/// <summary>The contract every <see cref="IBlobStore"/> must keep; one subclass per implementation.</summary>
public abstract partial class BlobStoreContract : IDisposable
{
    protected BlobStoreContract()
    {
        Store = CreateStore(Temp.Path);
    }

    protected TempDirectory Temp { get; } = new("blobstore");

    protected IBlobStore Store { get; }

    protected abstract IBlobStore CreateStore(string root);

    [Fact]
    public async Task Commit_WithMatchingDigest_PublishesExactBytes()
    {
        var blob = TestBlob.Random(200_000, seed: 1);
        await using var writer = Store.CreateWriter();
        await writer.WriteAsync(blob.Bytes);
        Assert.Null(await Store.GetLengthAsync(blob.Digest)); // nothing under the final name before commit

        Assert.Equal(BlobCommitResult.Committed, await writer.CommitAsync(blob.Digest, blob.Size));

        var length = Assert.NotNull(await Store.GetLengthAsync(blob.Digest));
        Assert.Equal(blob.Size, length);
        await using var stored = await Store.OpenReadAsync(blob.Digest);
        Assert.NotNull(stored);
        Assert.Equal(blob.Bytes, await stored.ReadAllAsync(CancellationToken.None));
        Assert.Empty(Store.EnumerateFiles(StoreArea.Temp));
    }

    [Fact]
    public async Task Commit_WithWrongDigest_PublishesNothingAndRemovesTemp()
    {
        var blob = TestBlob.Random(1000, seed: 2);
        var other = TestBlob.Random(1000, seed: 3);
        await using var writer = Store.CreateWriter();
        await writer.WriteAsync(blob.Bytes);

        Assert.Equal(BlobCommitResult.DigestMismatch, await writer.CommitAsync(other.Digest));

        Assert.Null(await Store.GetLengthAsync(other.Digest));
        Assert.Null(await Store.GetLengthAsync(blob.Digest));
        Assert.Empty(Store.EnumerateFiles(StoreArea.Temp));
    }

    [Fact]
    public async Task Commit_WithWrongSize_PublishesNothing()
    {
        var blob = TestBlob.Random(1000, seed: 4);
        await using var writer = Store.CreateWriter();
        await writer.WriteAsync(blob.Bytes);

        Assert.Equal(BlobCommitResult.SizeMismatch, await writer.CommitAsync(blob.Digest, 999));

        Assert.Null(await Store.GetLengthAsync(blob.Digest));
    }

    [Fact]
    public async Task Commit_Sha512_IsVerifiedWithThatAlgorithm()
    {
        var bytes = new byte[] { 1, 2, 3 };
        var digest = Digest.FromHash(Digest.Sha512, System.Security.Cryptography.SHA512.HashData(bytes));
        await using var writer = Store.CreateWriter();
        await writer.WriteAsync(bytes);

        Assert.Equal(BlobCommitResult.Committed, await writer.CommitAsync(digest));
        Assert.True(await Store.GetLengthAsync(digest) is not null);
    }

    [Fact]
    public async Task Writer_DisposedWithoutCommit_LeavesNothing()
    {
        await using (var writer = Store.CreateWriter())
        {
            await writer.WriteAsync(new byte[100]);
        }

        Assert.Empty(Store.EnumerateFiles(StoreArea.Temp));
    }

    [Fact]
    public async Task Upload_ReopenedAfterClose_ContinuesAndRehashes()
    {
        var blob = TestBlob.Random(10_000, seed: 5);
        const string id = "0123456789abcdef0123456789abcdef";
        Store.CreateUpload(id);
        using (var first = Store.OpenUpload(id, 0))
        {
            await first.WriteAsync(blob.Bytes.AsMemory(0, 4000));
        }

        await using var second = Store.OpenUpload(id, 4000);
        Assert.Equal(4000, second.Length);
        await second.WriteAsync(blob.Bytes.AsMemory(4000));

        Assert.Equal(BlobCommitResult.Committed, await second.CommitAsync(blob.Digest, blob.Size));
        Assert.Empty(Store.EnumerateFiles(StoreArea.Uploads)); // the upload's file became the blob
    }

    [Fact]
    public async Task Upload_ReopenedWithShorterRecordedLength_IsTruncated()
    {
        var blob = TestBlob.Random(5000, seed: 6);
        const string id = "fedcba9876543210fedcba9876543210";
        Store.CreateUpload(id);
        using (var first = Store.OpenUpload(id, 0))
        {
            await first.WriteAsync(blob.Bytes.AsMemory(0, 3000));
        }

        await using var second = Store.OpenUpload(id, 2000); // the last 1000 bytes were never recorded
        Assert.Equal(2000, second.Length);
        await second.WriteAsync(blob.Bytes.AsMemory(2000));

        Assert.Equal(BlobCommitResult.Committed, await second.CommitAsync(blob.Digest));
    }

    [Fact]
    public void OpenUpload_MalformedId_Throws() =>
        Assert.Throws<ArgumentException>(() => Store.OpenUpload("../../etc/passwd", 0));

    [Fact]
    public void OpenUpload_OfSessionWithoutFile_ThrowsAndCreatesNothing()
    {
        const string id = "89abcdef0123456789abcdef01234567";

        Assert.Throws<FileNotFoundException>(() => Store.OpenUpload(id, 0));
        Assert.Empty(Store.EnumerateFiles(StoreArea.Uploads));
    }

    [Fact]
    public void CreateUpload_Twice_Throws()
    {
        const string id = "456789abcdef0123456789abcdef0123";
        Store.CreateUpload(id);

        Assert.Throws<IOException>(() => Store.CreateUpload(id));
        Assert.Equal(0, Assert.Single(Store.EnumerateFiles(StoreArea.Uploads)).Length);
    }

    [Fact]
    public async Task QuarantineDeleteAndEnumerate_ActOnCommittedBlobs()
    {
        var a = await CommitAsync(TestBlob.Random(10, seed: 7));
        var b = await CommitAsync(TestBlob.Random(10, seed: 8));

        var listed = Store.EnumerateFiles(StoreArea.Blobs).ToList();
        Assert.Equal(new[] { a.Digest.ToString(), b.Digest.ToString() }.Order(), listed.Select(f => f.Digest!.Value.ToString()).Order());
        Assert.All(listed, f => Assert.Equal(10, f.Length));
        Assert.True(Store.Quarantine(a.Digest));
        Assert.Null(await Store.GetLengthAsync(a.Digest));
        Assert.Single(Store.EnumerateFiles(StoreArea.Quarantine));
        Assert.True(Store.Delete(b.Digest));
        Assert.False(Store.Delete(b.Digest));
        Assert.Empty(Store.EnumerateFiles(StoreArea.Blobs));
    }

    [Fact]
    public async Task CleanTemp_RemovesWritesThatNeverCommitted()
    {
        var abandoned = Store.CreateWriter(); // as left by a process that died mid-write
        await abandoned.WriteAsync(new byte[10]);
        Assert.Single(Store.EnumerateFiles(StoreArea.Temp));

        Assert.Equal(1, Store.CleanTemp());
        Assert.Empty(Store.EnumerateFiles(StoreArea.Temp));
        await abandoned.DisposeAsync(); // its file is gone already; disposing must not mind
    }

    [Fact]
    public async Task Remove_DeletesListedLeftovers_OfEveryArea()
    {
        var blob = await CommitAsync(TestBlob.Random(10, seed: 9));
        const string id = "00112233445566778899aabbccddeeff";
        Store.CreateUpload(id);
        using (var upload = Store.OpenUpload(id, 0))
        {
            await upload.WriteAsync(new byte[5]);
        }

        var session = Assert.Single(Store.EnumerateFiles(StoreArea.Uploads));
        Assert.Equal(id, session.Name);
        Assert.True(Store.Remove(session));
        Assert.False(Store.Remove(session));
        Assert.Empty(Store.EnumerateFiles(StoreArea.Uploads));

        Assert.True(Store.Remove(Assert.Single(Store.EnumerateFiles(StoreArea.Blobs))));
        Assert.Null(await Store.GetLengthAsync(blob.Digest));
    }

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }

    protected async Task<TestBlob> CommitAsync(TestBlob blob)
    {
        await using var writer = Store.CreateWriter();
        await writer.WriteAsync(blob.Bytes);
        Assert.Equal(BlobCommitResult.Committed, await writer.CommitAsync(blob.Digest));
        return blob;
    }
}

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
}
