using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Storage.S3;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// What only the S3 store is asked, against Ceph RGW: blobs past one part go up in parts and come back by
/// ranges, a refused blob leaves nothing behind, redirect URLs work for a plain client, upload sessions
/// move between two stores on one bucket (two replicas), and an unreachable store is a storage outage.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class S3BlobStoreTests(ScaleOutBackends backends) : IDisposable
{
    private static readonly string Bucket = S3Stores.NewBucket("s3store");

    private readonly TempDirectory _temp = new("s3store");
    private readonly string _prefix = $"{Guid.NewGuid():N}/";
    private readonly List<IDisposable> _stores = [];

    [Fact]
    public async Task Commit_LargerThanOnePart_IsAMultipartObject_ReadBackWholeAndByRanges()
    {
        const long size = 40L << 20;
        const ulong seed = 22;
        var digest = PatternStream.DigestOf(size, seed);
        var store = NewStore("a");
        await using (var writer = store.CreateWriter())
        {
            await using var source = new PatternStream(size, seed);
            Assert.Equal(size, await writer.WriteFromAsync(source));
            Assert.Equal(BlobCommitResult.Committed, await writer.CommitAsync(digest, size));
        }

        Assert.Equal(size, await store.GetLengthAsync(digest));
        using var s3 = Client();
        var head = await s3.GetObjectMetadataAsync(Bucket, $"{_prefix}blobs/sha256/{digest.Encoded}");
        Assert.EndsWith($"-{size / S3BlobStore.PartSize}\"", head.ETag, StringComparison.Ordinal); // a multipart ETag names its part count
        Assert.Empty(store.EnumerateFiles(StoreArea.Temp)); // spool deleted, no upload left open

        await using var content = await store.OpenReadAsync(digest);
        Assert.Equal(size, content!.Length);
        Assert.Equal(digest, Digest.FromHash(Digest.Sha256, await SHA256.HashDataAsync(content.Stream))); // streamed, never whole in memory
        foreach (var offset in new[] { 0L, PartAt(1) - 3, size / 2 + 12345, size - 7 })
        {
            var expected = PatternSlice(size, seed, offset, 64);
            Assert.Equal(expected, await ReadAtAsync(content, offset, expected.Length));
        }

        content.Stream.Position = size - 100; // a seek drops the open response; the next read opens a range there
        var tail = new MemoryStream();
        await content.Stream.CopyToAsync(tail);
        Assert.Equal(PatternSlice(size, seed, size - 100, 100), tail.ToArray());
    }

    [Fact]
    public async Task Commit_OfABlobAnotherReplicaStored_UploadsNothingAgain()
    {
        // Stored by "another replica" as a one-part multipart object, whose ETag ends in -1; a single PUT of
        // the same bytes would give it a plain MD5 ETag.
        var store = NewStore("b"); // creates the bucket when this test runs first
        var blob = TestBlob.Random(1 << 20, seed: 2205);
        var key = $"{_prefix}blobs/sha256/{blob.Hex}";
        using var s3 = Client();
        var started = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key });
        var part = await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = Bucket, Key = key, UploadId = started.UploadId, PartNumber = 1, InputStream = new MemoryStream(blob.Bytes),
        });
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = Bucket, Key = key, UploadId = started.UploadId, PartETags = [new PartETag(1, part.ETag)],
        });
        var before = (await s3.GetObjectMetadataAsync(Bucket, key)).ETag;
        Assert.EndsWith("-1\"", before, StringComparison.Ordinal);

        await CommitAsync(store, blob);

        Assert.Equal(before, (await s3.GetObjectMetadataAsync(Bucket, key)).ETag);
        Assert.Empty(store.EnumerateFiles(StoreArea.Temp)); // the spool is gone all the same
    }

    [Fact]
    public async Task Commit_WithWrongDigest_LeavesNoObjectAndNoIncompleteMultipartUpload()
    {
        const long size = 20L << 20;
        var wrong = PatternStream.DigestOf(size, 2);
        var store = NewStore("a");
        await using (var writer = store.CreateWriter())
        {
            await using var source = new PatternStream(size, 1);
            await writer.WriteFromAsync(source);
            Assert.Equal(BlobCommitResult.DigestMismatch, await writer.CommitAsync(wrong, size));
        }

        Assert.Null(await store.GetLengthAsync(wrong));
        Assert.Null(await store.GetLengthAsync(PatternStream.DigestOf(size, 1)));
        Assert.Empty(store.EnumerateFiles(StoreArea.Blobs));
        Assert.Empty(store.EnumerateFiles(StoreArea.Temp));
        using var s3 = Client();
        var open = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = _prefix });
        Assert.Empty(open.MultipartUploads ?? []);
    }

    [Fact]
    public async Task Redirect_IsAPresignedUrlAPlainClientCanGet_AndOffWithoutTheSetting()
    {
        var blob = TestBlob.Random(300_000, seed: 23);
        var store = NewStore("a", redirect: true);
        await CommitAsync(store, blob);

        var url = store.TryGetRedirect(blob.Digest);

        Assert.NotNull(url);
        Assert.Equal(Uri.UriSchemeHttp, url.Scheme); // the endpoint is plain HTTP, so is the URL
        Assert.DoesNotContain(backends.Ceph.SecretKey, url.ToString(), StringComparison.Ordinal);
        using var plain = new HttpClient();
        Assert.Equal(blob.Bytes, await plain.GetByteArrayAsync(url));
        Assert.Null(NewStore("b").TryGetRedirect(blob.Digest));
    }

    [Fact]
    public async Task Upload_StartedOnOneStore_ContinuesAndCommitsOnAnother_LikeTwoReplicas()
    {
        var blob = TestBlob.Random(3_000_000, seed: 24);
        const string id = "0123456789abcdef0123456789abcdef";
        var a = NewStore("a");
        var b = NewStore("b");

        await a.CreateUploadAsync(id);
        await using (var first = await a.OpenUploadAsync(id, 0))
        {
            await first.WriteAsync(blob.Bytes.AsMemory(0, 1_000_000));
            await first.SaveAsync();
        }

        await using (var second = await b.OpenUploadAsync(id, 1_000_000))
        {
            Assert.Equal(1_000_000, second.Length);
            await second.WriteAsync(blob.Bytes.AsMemory(1_000_000, 1_000_000));
            await second.SaveAsync();
        }

        // A chunk saved but never recorded (its PATCH failed before the row): the recorded size wins.
        await using (var unrecorded = await a.OpenUploadAsync(id, 2_000_000))
        {
            await unrecorded.WriteAsync(new byte[500]);
            await unrecorded.SaveAsync();
        }

        await using (var last = await a.OpenUploadAsync(id, 2_000_000))
        {
            Assert.Equal(2_000_000, last.Length);
            await last.WriteAsync(blob.Bytes.AsMemory(2_000_000));
            await last.SaveAsync();
            Assert.Equal(BlobCommitResult.Committed, await last.CommitAsync(blob.Digest, blob.Size));
        }

        await using var stored = await b.OpenReadAsync(blob.Digest);
        Assert.Equal(blob.Bytes, await stored!.ReadAllAsync(CancellationToken.None));
        Assert.Empty(b.EnumerateFiles(StoreArea.Uploads)); // the session's objects went with the commit
        await Assert.ThrowsAsync<FileNotFoundException>(() => b.OpenUploadAsync(id, 0));
    }

    [Fact]
    public async Task Unreachable_IsStorageUnavailable_WithoutTheSecretKey()
    {
        var options = S3Stores.Options(backends.Ceph, Bucket, _prefix) with { Endpoint = $"http://127.0.0.1:{OciCacheProcess.FreePort()}" };
        using var store = new S3BlobStore(options, new DataLayout(_temp.Combine("down")), TimeProvider.System);

        var failure = await Assert.ThrowsAsync<FailureException>(() => store.GetLengthAsync(TestBlob.Random(10, seed: 25).Digest).AsTask());

        var unavailable = Assert.IsType<StorageUnavailable>(failure.Failure);
        Assert.NotNull(unavailable.RetryAfter);
        Assert.DoesNotContain(backends.Ceph.SecretKey, failure.ToString(), StringComparison.Ordinal);
        Assert.Contains("object store", store.ProbeWritable(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _temp.Dispose();
    }

    private S3BlobStore NewStore(string replica, bool redirect = false)
    {
        var store = S3Stores.Create(S3Stores.Options(backends.Ceph, Bucket, _prefix, redirect), _temp.Combine(replica));
        _stores.Add(store);
        return store;
    }

    private AmazonS3Client Client() => new(new BasicAWSCredentials(backends.Ceph.AccessKey, backends.Ceph.SecretKey), new AmazonS3Config
    {
        ServiceURL = backends.Ceph.Endpoint.ToString(),
        AuthenticationRegion = backends.Ceph.Region,
        ForcePathStyle = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    private static long PartAt(int index) => (long)index * S3BlobStore.PartSize;

    private static async Task CommitAsync(IBlobStore store, TestBlob blob)
    {
        await using var writer = store.CreateWriter();
        await writer.WriteAsync(blob.Bytes);
        Assert.Equal(BlobCommitResult.Committed, await writer.CommitAsync(blob.Digest, blob.Size));
    }

    /// <summary><paramref name="count"/> bytes of the pattern at <paramref name="offset"/>, generated (the pattern cannot seek).</summary>
    private static byte[] PatternSlice(long size, ulong seed, long offset, int count)
    {
        using var pattern = new PatternStream(size, seed);
        var skip = new byte[1 << 20];
        for (var left = offset; left > 0;)
        {
            left -= pattern.Read(skip, 0, (int)Math.Min(skip.Length, left));
        }

        var slice = new byte[Math.Min(count, size - offset)];
        pattern.ReadExactly(slice);
        return slice;
    }

    private static async Task<byte[]> ReadAtAsync(BlobContent content, long offset, int count)
    {
        var buffer = new byte[count];
        var done = 0;
        while (done < count)
        {
            var read = await content.ReadAtAsync(offset + done, buffer.AsMemory(done), CancellationToken.None);
            Assert.True(read > 0, $"the range at {offset} ended after {done} bytes");
            done += read;
        }

        return buffer;
    }
}
