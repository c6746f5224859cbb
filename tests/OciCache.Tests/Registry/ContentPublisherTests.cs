using Microsoft.Data.Sqlite;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Tests.Registry;

/// <summary>
/// The publishing order over a real file store and a real SQLite file: bytes, then rows, then the eviction
/// nudge. A row never exists without its blob; a blob without a row is harmless (verify notes it, nothing more).
/// </summary>
public sealed class ContentPublisherTests : IDisposable
{
    private static readonly Repository App = new("app");
    private static readonly Repository Mirror = Repository.Mirror("docker.io", "library/nginx");
    private static readonly Repository OtherMirror = Repository.Mirror("docker.io", "library/redis");

    private readonly TempDirectory _temp = new("publisher");
    private readonly DataLayout _layout;
    private readonly SqliteDatabase _database;
    private readonly SqliteMetadataIndex _index;
    private readonly FileBlobStore _store;
    private readonly EvictionSignal _eviction = new();
    private readonly ContentPublisher _publisher;

    public ContentPublisherTests()
    {
        _layout = new DataLayout(_temp.Path);
        _store = new FileBlobStore(_layout);
        _database = new SqliteDatabase(_layout.Database);
        _index = new SqliteMetadataIndex(_database, TimeProvider.System);
        _publisher = new ContentPublisher(_index, _index, _store, _eviction);
    }

    [Fact]
    public async Task PublishBlob_Verified_CommitsTheBytesThenTheRowThenNudgesEviction()
    {
        var blob = TestBlob.Random(50_000, seed: 1);
        await using var writer = await WriteAsync(blob);

        Assert.Equal(BlobCommitResult.Committed, await _publisher.PublishBlobAsync(writer, blob.Digest, blob.Size, [App], CancellationToken.None));

        var length = Assert.NotNull(await _store.GetLengthAsync(blob.Digest));
        Assert.Equal(blob.Size, length);
        Assert.Equal(blob.Size, await _index.GetLinkedBlobSizeAsync(App, blob.Digest));
        Assert.True(await _eviction.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task PublishBlob_WrongDigest_StoresNothingRecordsNothingNudgesNothing()
    {
        var blob = TestBlob.Random(1_000, seed: 2);
        var other = TestBlob.Random(1_000, seed: 3);
        await using var writer = await WriteAsync(blob);

        Assert.Equal(BlobCommitResult.DigestMismatch, await _publisher.PublishBlobAsync(writer, other.Digest, null, [App], CancellationToken.None));

        Assert.Null(await _store.GetLengthAsync(other.Digest));
        Assert.Null(await _index.GetBlobAsync(other.Digest));
        Assert.Null(await _index.GetBlobAsync(blob.Digest));
        Assert.False(await _eviction.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task PublishBlob_CommitFails_WritesNoRow()
    {
        var blob = TestBlob.Random(1_000, seed: 4);
        // The blob's shard folder cannot be made (a file stands in its place): the rename into blobs/ fails.
        var shard = Path.GetDirectoryName(_layout.BlobPath(blob.Digest))!;
        Directory.CreateDirectory(Path.GetDirectoryName(shard)!);
        await File.WriteAllTextAsync(shard, "in the way");
        await using var writer = await WriteAsync(blob);

        await Assert.ThrowsAnyAsync<IOException>(() => _publisher.PublishBlobAsync(writer, blob.Digest, blob.Size, [App], CancellationToken.None));

        Assert.Null(await _index.GetBlobAsync(blob.Digest));
        Assert.Null(await _index.GetLinkedBlobSizeAsync(App, blob.Digest));
        Assert.False(await _eviction.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task PublishBlob_RowWriteKilled_LeavesACommittedBlobThatVerifyOnlyNotes()
    {
        var earlier = TestBlob.Random(2_000, seed: 7);
        await using (var first = await WriteAsync(earlier))
        {
            await _publisher.PublishBlobAsync(first, earlier.Digest, earlier.Size, [App], CancellationToken.None);
        }

        var blob = TestBlob.Random(2_000, seed: 5);
        KillBlobRowWrites();
        await using var writer = await WriteAsync(blob);

        await Assert.ThrowsAsync<SqliteException>(() => _publisher.PublishBlobAsync(writer, blob.Digest, blob.Size, [App], CancellationToken.None));

        Assert.True(await _store.GetLengthAsync(blob.Digest) is not null); // the bytes came first
        Assert.Null(await _index.GetBlobAsync(blob.Digest));
        var report = await new StoreVerifier(_store, _index, _index, new DatabaseFile(_database, _store)).VerifyAsync(repair: false);
        Assert.True(report.Consistent, string.Join("; ", report.Problems)); // a blob without a row is harmless
        Assert.Equal(1, report.NoteCount);
    }

    [Fact]
    public async Task PublishVerified_EveryRequester_SeesTheBlob()
    {
        var blob = TestBlob.Random(3_000, seed: 6);
        await using var writer = await WriteAsync(blob, hashed: false);
        Assert.Equal(BlobCommitResult.Committed, writer.VerifyComputed(blob.Digest, blob.Size, blob.Digest));

        await _publisher.PublishVerifiedAsync(writer, blob.Digest, blob.Size, [Mirror, OtherMirror, Mirror], CancellationToken.None);

        Assert.True(await _store.GetLengthAsync(blob.Digest) is not null);
        Assert.Equal(blob.Size, await _index.GetLinkedBlobSizeAsync(Mirror, blob.Digest));
        Assert.Equal(blob.Size, await _index.GetLinkedBlobSizeAsync(OtherMirror, blob.Digest));
        Assert.True(await _index.IsLinkedFromUpstreamAsync("docker.io", blob.Digest));
        Assert.True(await _eviction.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task PublishManifest_StoresTheBytesThenTheRowAndTag()
    {
        var content = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}"u8.ToArray();
        var record = new ManifestRecord(Digest.ComputeSha256(content), MediaTypes.OciIndex, content.Length);

        Assert.True((await _publisher.PublishManifestAsync(App, record, content, [], "v1", null, false, CancellationToken.None)).IsWritten);

        await using var stored = await _store.OpenReadAsync(record.Digest);
        Assert.Equal(content, await stored!.ReadAllAsync(CancellationToken.None));
        Assert.Equal(record.Digest, (await _index.GetTagAsync(App, "v1"))!.Digest);
        Assert.True(await _eviction.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task PublishManifest_BytesNotMatchingTheDigest_WritesNoRow()
    {
        var content = "{\"schemaVersion\":2}"u8.ToArray();
        var record = new ManifestRecord(Digest.ComputeSha256([1, 2, 3]), MediaTypes.OciIndex, content.Length);

        await Assert.ThrowsAsync<IOException>(() => _publisher.PublishManifestAsync(App, record, content, [], "v1", null, false, CancellationToken.None));

        Assert.Null(await _index.GetManifestAsync(App, record.Digest));
        Assert.Null(await _index.GetTagAsync(App, "v1"));
        Assert.Null(await _store.GetLengthAsync(record.Digest));
    }

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private async Task<BlobWriter> WriteAsync(TestBlob blob, bool hashed = true)
    {
        var writer = _store.CreateWriter();
        if (hashed)
        {
            await writer.WriteAsync(blob.Bytes);
        }
        else
        {
            writer.WriteUnhashed(blob.Bytes);
        }

        return writer;
    }

    /// <summary>Every later insert into <c>blobs</c> fails inside SQLite, as a full or broken database would fail it.</summary>
    private void KillBlobRowWrites()
    {
        using var connection = new SqliteConnection($"Data Source={_layout.Database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TRIGGER kill_blob_rows BEFORE INSERT ON blobs BEGIN SELECT RAISE(ABORT, 'row write killed'); END;";
        command.ExecuteNonQuery();
    }
}
