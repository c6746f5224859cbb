using Microsoft.Extensions.Logging.Abstractions;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Storage.Postgres;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// What SQLite's single writer gave for free, on PostgreSQL with two replicas (two pools) writing one database
/// at once; and PostgreSQL's failures as storage failures.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresMetadataConcurrencyTests(ScaleOutBackends backends) : IAsyncLifetime
{
    private const int Rounds = 25;

    private readonly List<PostgresDatabase> _opened = [];
    private PostgresMetadataIndex _one = null!;
    private PostgresMetadataIndex _two = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await backends.Postgres.CreateDatabaseAsync();
        _one = new PostgresMetadataIndex(await OpenAsync(connectionString), TimeProvider.System);
        _two = new PostgresMetadataIndex(await OpenAsync(connectionString), TimeProvider.System);
    }

    [Fact]
    public async Task PushAndUnlinkAtOnce_EitherThePushIsRefused_OrTheUnlinkSeesTheReference()
    {
        var app = Repository.Local("app");
        for (var round = 0; round < Rounds; round++)
        {
            var layer = Digest.ComputeSha256([1, (byte)round]);
            var manifest = Digest.ComputeSha256([2, (byte)round]);
            await _one.AddBlobAsync(app, layer, 10);

            var push = _one.PutManifestAsync(app, new ManifestRecord(manifest, MediaTypes.OciManifest, 5), [layer], $"t{round}", linkedBlobs: [layer]);
            var unlink = _two.UnlinkBlobAsync(app, layer);
            var (refused, unlinked) = ((await push).Unlinked, await unlink);

            var linked = await _one.GetLinkedBlobSizeAsync(app, layer) is not null;
            var stored = await _one.GetManifestAsync(app, manifest) is not null;
            Assert.True(
                (refused is null && unlinked == BlobUnlink.Referenced && linked && stored) ||
                (refused == layer && unlinked == BlobUnlink.Unlinked && !linked && !stored),
                $"round {round}: push refused {refused?.ToString() ?? "nothing"}, unlink {unlinked}, linked {linked}, manifest stored {stored}");
        }
    }

    [Fact]
    public async Task TheSameBlobAndManifestFromTwoReplicasAtOnce_AreStoredOnce_WithoutAFailure()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var repository = Repository.Mirror("hub", $"library/r{round}"); // new: both replicas create it at once
            var layer = Digest.ComputeSha256([3, (byte)round]);
            var manifest = new ManifestRecord(Digest.ComputeSha256([4, (byte)round]), MediaTypes.OciManifest, 5);

            await Task.WhenAll(
                _one.AddBlobAsync(repository, layer, 10), _two.AddBlobAsync(repository, layer, 10),
                _one.PutManifestAsync(repository, manifest, [layer], "latest"), _two.PutManifestAsync(repository, manifest, [layer], "latest"),
                _one.TouchBlobsAsync([new(layer, DateTimeOffset.UtcNow), new(manifest.Digest, DateTimeOffset.UtcNow)]),
                _two.TouchBlobsAsync([new(manifest.Digest, DateTimeOffset.UtcNow), new(layer, DateTimeOffset.UtcNow)]));

            Assert.Equal(manifest.Digest, (await _two.GetTagAsync(repository, "latest"))!.Digest);
            Assert.Equal(10, await _one.GetLinkedBlobSizeAsync(repository, layer));
        }

        Assert.Equal(Rounds, (await _one.ListAsync(1000, null)).Count);
    }

    [Fact]
    public async Task ASessionTheServerEnds_IsStorageUnavailableWithRetryAfter()
    {
        var database = _opened[0];

        // 57P01 admin_shutdown: what a server stopping (or an operator's pg_terminate_backend) sends.
        var e = await Assert.ThrowsAsync<FailureException>(() =>
            database.ReadAsync(c => PostgresDatabase.ScalarAsync(c, null, "SELECT pg_terminate_backend(pg_backend_pid())", default), default));

        var failure = Assert.IsType<StorageUnavailable>(e.Failure);
        Assert.NotNull(failure.RetryAfter);
        Assert.Contains("57P01", failure.Detail, StringComparison.Ordinal);
        Assert.Equal([1], await database.ReadAllAsync(r => r.GetInt32(0), default, "SELECT 1")); // the pool drops the broken connection
    }

    [Fact]
    public async Task AServerNobodyListensOn_IsStorageUnavailableWithRetryAfter_WithoutThePassword()
    {
        const string password = "refused-secret-c9f0f895fb98";
        await using var database = new PostgresDatabase(
            $"Host=127.0.0.1;Port={OciCacheProcess.FreePort()};Database=none;Username=nobody;Password={password};Timeout=5",
            NullLogger<PostgresDatabase>.Instance);
        var index = new PostgresMetadataIndex(database, TimeProvider.System);

        foreach (var attempt in new Func<Task>[]
                 {
                     () => index.GetTagAsync(Repository.Local("app"), "v1").AsTask(),
                     () => index.AddBlobAsync(Repository.Local("app"), Digest.ComputeSha256([5]), 1),
                     async () => await index.EnumerateBlobsAsync().ToListAsync(),
                 })
        {
            var e = await Assert.ThrowsAsync<FailureException>(attempt);
            var failure = Assert.IsType<StorageUnavailable>(e.Failure);
            Assert.Equal(StorageErrors.PostgresRetryAfter, failure.RetryAfter);
            Assert.DoesNotContain(password, failure.Message + failure.Detail, StringComparison.Ordinal);
        }
    }

    private async Task<PostgresDatabase> OpenAsync(string connectionString)
    {
        var database = new PostgresDatabase(connectionString, NullLogger<PostgresDatabase>.Instance);
        _opened.Add(database);
        await database.MigrateAsync(CancellationToken.None);
        return database;
    }

    public async Task DisposeAsync()
    {
        foreach (var database in _opened)
        {
            await database.DisposeAsync();
        }
    }
}
