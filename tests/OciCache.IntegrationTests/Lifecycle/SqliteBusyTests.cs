using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Microsoft.Data.Sqlite;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.IntegrationTests.Lifecycle;

/// <summary>
/// A database held busy by another process is waited for, not turned into a 500, and the writes waiting
/// for it hold no request thread: everything else goes on being answered (issue 11, item 3).
/// </summary>
public sealed class SqliteBusyTests
{
    [Fact]
    public async Task PushWhileAnotherConnectionHoldsTheWriteLock_WaitsAndSucceeds()
    {
        await using var server = await RegistryServer.StartAsync();
        var blob = TestBlob.Random(10_000, seed: 1801);
        var layout = new DataLayout(server.DataPath);
        await using var other = new SqliteConnection($"Data Source={layout.Database};Pooling=False");
        await other.OpenAsync();
        await using var transaction = other.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock

        var push = server.Client.PostAsync($"/v2/site/app/blobs/uploads/?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));
        // The blob is verified and in place before its row is written: from here the push needs the lock.
        await Eventually.TrueAsync(() => File.Exists(layout.BlobPath(blob.Digest)) || push.IsCompleted, "the push reaches its database write");
        Assert.False(push.IsCompleted, "the push did not wait for the lock");
        await transaction.CommitAsync();

        using var response = await push;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>
    /// A blob DELETE queued for the database before a manifest push that checked the blob while it was still
    /// linked: the DELETE runs first, so the push must be refused. It was answered 201 and left an image whose
    /// layer the repository no longer served.
    /// </summary>
    [Fact]
    public async Task ManifestPushRacingADeleteOfItsLayer_IsRefused_AndTheRepositoryStaysWhole()
    {
        await using var server = await RegistryServer.StartAsync();
        var image = TestImage.Create(layers: 1, seed: 1803);
        foreach (var blob in image.Blobs)
        {
            await server.Client.PushBlobAsync("site/app", blob);
        }

        var writer = server.Services.GetRequiredService<SqliteDatabase>().Writer;
        var layout = new DataLayout(server.DataPath);
        Task<HttpResponseMessage> delete, put;
        await using (var other = new SqliteConnection($"Data Source={layout.Database};Pooling=False"))
        {
            await other.OpenAsync();
            await using var transaction = other.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock
            delete = server.Client.DeleteAsync($"/v2/site/app/blobs/{image.Layers[0].Digest}");
            await Eventually.TrueAsync(() => writer.Pending == 1, "the DELETE waits for the database");
            put = server.Client.PutManifestAsync("site/app", "v1", image.Manifest);
            await Eventually.TrueAsync(() => writer.Pending == 2, "the push checked its layer and waits behind the DELETE");
            await transaction.CommitAsync();
        }

        using (var deleted = await delete)
        {
            Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        }

        using (var pushed = await put)
        {
            await RegistryHttp.AssertOciErrorAsync(pushed, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
        }

        using var manifest = await server.Client.GetAsync("/v2/site/app/manifests/v1");
        Assert.Equal(HttpStatusCode.NotFound, manifest.StatusCode);
    }

    /// <summary>
    /// A lock held past the busy timeout (30 s) ends the write with a 503 the client may retry, not a 500,
    /// and the registry takes writes again once the lock is gone.
    /// </summary>
    [Fact]
    public async Task PushWhileAnotherConnectionHoldsTheWriteLockPastTheTimeout_Answers503_ThenPushesAgain()
    {
        await using var server = await RegistryServer.StartAsync();
        var blob = TestBlob.Random(10_000, seed: 1802);
        var layout = new DataLayout(server.DataPath);
        await using (var other = new SqliteConnection($"Data Source={layout.Database};Pooling=False"))
        {
            await other.OpenAsync();
            await using var transaction = other.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock
            using var refused = await server.Client.PostAsync($"/v2/site/app/blobs/uploads/?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));
            await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.ServiceUnavailable, "UNAVAILABLE");
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        using var retried = await server.Client.PostAsync($"/v2/site/app/blobs/uploads/?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
    }

    /// <summary>
    /// Before the writer thread each waiting push blocked a thread-pool thread on the write lock; 64 of them
    /// starved the pool, so <c>GET /v2/</c> (no database) waited until the first push gave up at the busy
    /// timeout (33.5 s in the probe) and this test saw a push finish first.
    /// </summary>
    [Fact]
    public async Task ManyPushesWhileAnotherConnectionHoldsTheWriteLock_OtherRequestsAreAnsweredAtOnce()
    {
        const int pushes = 64;
        await using var server = await RegistryServer.StartAsync();
        var config = TestBlob.Json(MediaTypes.OciEmpty, "{}");
        await server.Client.PushBlobAsync("site/app", config);
        var manifests = Enumerable.Range(0, pushes).Select(i => TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{"mediaType":"{{MediaTypes.OciEmpty}}","digest":"{{config.Digest}}","size":2},"layers":[],"annotations":{"n":"{{i}}"} }
            """)).ToList();
        var layout = new DataLayout(server.DataPath);
        await using var other = new SqliteConnection($"Data Source={layout.Database};Pooling=False");
        await other.OpenAsync();
        await using var transaction = other.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock

        var puts = manifests.Select((m, i) => server.Client.PutManifestAsync("site/app", $"v{i}", m)).ToList();
        // A manifest's bytes are in place before its row is written: from here each push needs the lock.
        await Eventually.TrueAsync(() => manifests.All(m => File.Exists(layout.BlobPath(m.Digest))) || puts.Any(p => p.IsCompleted),
            "every push reaches its database write");

        using (var root = await server.Client.GetAsync("/v2/"))
        {
            Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        }

        Assert.DoesNotContain(puts, p => p.IsCompleted);
        await transaction.CommitAsync();

        foreach (var put in puts)
        {
            using var response = await put;
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }
}
