using OciCache.Oci;
using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>
/// The contract every <see cref="IBlobStore"/> must keep; one subclass per implementation (the file store in
/// OciCache.Tests, the S3 store against Ceph RGW in OciCache.IntegrationTests).
/// </summary>
public abstract partial class BlobStoreContract : IDisposable
{
    protected BlobStoreContract()
    {
        Store = CreateStore(Temp.Path);
    }

    protected TempDirectory Temp { get; } = new("blobstore");

    protected IBlobStore Store { get; }

    /// <summary>A store whose local files (spool, or everything) are under <paramref name="root"/>.</summary>
    protected abstract IBlobStore CreateStore(string root);

    /// <summary>
    /// Whether content opened stays readable at any offset after the blob is deleted: true for a file (an open
    /// handle), false for an object store, where a read already answering finishes but a new range fails
    /// with an <see cref="IOException"/>.
    /// </summary>
    protected virtual bool OpenedContentOutlivesDelete => true;

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
        await Store.CreateUploadAsync(id);
        await using (var first = await Store.OpenUploadAsync(id, 0))
        {
            await first.WriteAsync(blob.Bytes.AsMemory(0, 4000));
            await first.SaveAsync();
        }

        await using var second = await Store.OpenUploadAsync(id, 4000);
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
        await Store.CreateUploadAsync(id);
        await using (var first = await Store.OpenUploadAsync(id, 0))
        {
            await first.WriteAsync(blob.Bytes.AsMemory(0, 3000));
            await first.SaveAsync();
        }

        await using var second = await Store.OpenUploadAsync(id, 2000); // the last 1000 bytes were never recorded
        Assert.Equal(2000, second.Length);
        await second.WriteAsync(blob.Bytes.AsMemory(2000));

        Assert.Equal(BlobCommitResult.Committed, await second.CommitAsync(blob.Digest));
    }

    [Fact]
    public Task OpenUpload_MalformedId_Throws() =>
        Assert.ThrowsAsync<ArgumentException>(() => Store.OpenUploadAsync("../../etc/passwd", 0));

    [Fact]
    public async Task OpenUpload_OfSessionWithoutFile_ThrowsAndCreatesNothing()
    {
        const string id = "89abcdef0123456789abcdef01234567";

        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenUploadAsync(id, 0));
        Assert.Empty(Store.EnumerateFiles(StoreArea.Uploads));
    }

    [Fact]
    public async Task CreateUpload_Twice_Throws()
    {
        const string id = "456789abcdef0123456789abcdef0123";
        await Store.CreateUploadAsync(id);

        await Assert.ThrowsAsync<IOException>(() => Store.CreateUploadAsync(id));
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
        await Store.CreateUploadAsync(id);
        await using (var upload = await Store.OpenUploadAsync(id, 0))
        {
            await upload.WriteAsync(new byte[5]);
            await upload.SaveAsync();
        }

        var session = Assert.Single(Store.EnumerateFiles(StoreArea.Uploads));
        Assert.Equal(id, session.Name);
        Assert.True(Store.Remove(session));
        Assert.False(Store.Remove(session));
        Assert.Empty(Store.EnumerateFiles(StoreArea.Uploads));

        Assert.True(Store.Remove(Assert.Single(Store.EnumerateFiles(StoreArea.Blobs))));
        Assert.Null(await Store.GetLengthAsync(blob.Digest));
    }

    public virtual void Dispose()
    {
        (Store as IDisposable)?.Dispose();
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
