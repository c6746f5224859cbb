using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Caching.Memory;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Tests.Storage;

/// <summary>
/// Two replicas on one database, each with its own <see cref="CachedMetadataIndex"/> in
/// <see cref="CachedMetadataIndex.SharedDatabase"/> mode: what one replica writes, the other reads at once,
/// even right after it looked and found nothing (a client's HEAD of a blob, then its push through another
/// replica, then its manifest PUT through the first).
/// </summary>
public sealed class CachedMetadataIndexReplicaTests : IDisposable
{
    private static readonly Repository App = Repository.Local("team/app");
    private static readonly Digest Layer = Digest.ComputeSha256([7]);
    private static readonly Digest First = Digest.ComputeSha256([8]);
    private static readonly Digest Second = Digest.ComputeSha256([9]);

    private readonly TempDirectory _temp = new("cache-replicas");
    private readonly CachedMetadataIndex _a;
    private readonly CachedMetadataIndex _b;

    public CachedMetadataIndexReplicaTests()
    {
        var database = new SqliteMetadataIndex(new SqliteDatabase(_temp.Combine("meta.db")), TimeProvider.System);
        _a = Replica(database);
        _b = Replica(database);
    }

    private static CachedMetadataIndex Replica(SqliteMetadataIndex database) =>
        new(database, database, database, database, new MemoryCache(new MemoryCacheOptions { SizeLimit = 1000 }), CachedMetadataIndex.SharedDatabase);

    [Fact]
    public async Task ALinkMissedOnOneReplica_IsFoundThereRightAfterAnotherReplicaAddedIt()
    {
        Assert.Null(await _b.GetLinkedBlobSizeAsync(App, Layer));

        await _a.AddBlobAsync(App, Layer, 42);

        Assert.Equal(42, await _b.GetLinkedBlobSizeAsync(App, Layer));
    }

    [Fact]
    public async Task ATagReadOnOneReplica_FollowsAPushThroughAnother()
    {
        await _a.PutManifestAsync(App, new ManifestRecord(First, MediaTypes.OciManifest, 5), [], "v1");
        Assert.Equal(First, (await _b.GetTagAsync(App, "v1"))?.Digest);
        Assert.Null(await _b.GetManifestAsync(App, Second));

        await _a.PutManifestAsync(App, new ManifestRecord(Second, MediaTypes.OciManifest, 5), [], "v1");

        Assert.Equal(Second, (await _b.GetTagAsync(App, "v1"))?.Digest);
        Assert.NotNull(await _b.GetManifestAsync(App, Second));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }
}
