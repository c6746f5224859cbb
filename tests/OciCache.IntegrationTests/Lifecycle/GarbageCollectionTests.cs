using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Storage;

namespace OciCache.IntegrationTests.Lifecycle;

/// <summary>Local content nothing references goes after its grace period; abandoned uploads expire.</summary>
public sealed class GarbageCollectionTests
{
    [Fact]
    public async Task UnreferencedLocalBlobs_AreRemovedAfterTheGracePeriod_ReferencedOnesStay()
    {
        await using var server = await StartAsync();
        var image = TestImage.Create(layers: 2, seed: 1401);
        await server.Client.PushImageAsync("site/app", "v1", image);
        var stray = TestBlob.Random(50_000, seed: 1402);
        await server.Client.PushBlobAsync("site/app", stray); // pushed, never referenced by a manifest

        await Eventually.TrueAsync(() => !File.Exists(BlobPath(server, stray)), "the stray blob is collected");

        Assert.Null(await server.Services.GetRequiredService<IBlobIndex>().GetBlobAsync(stray.Digest));
        Assert.All(image.Blobs.Append(image.Manifest), b => Assert.True(File.Exists(BlobPath(server, b))));
        using var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/site/app/blobs/{stray.Digest}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task DeletedManifest_LetsItsBlobsGo_UnlessAnotherManifestUsesThem()
    {
        await using var server = await StartAsync();
        var shared = TestImage.Layer(1403, 40_000);
        var gone = TestImage.Compose([shared, TestImage.Layer(1404, 40_000)], seed: 1405);
        var kept = TestImage.Compose([shared, TestImage.Layer(1406, 40_000)], seed: 1407);
        await server.Client.PushImageAsync("site/app", "gone", gone);
        await server.Client.PushImageAsync("site/app", "kept", kept);

        using (var delete = await server.Client.DeleteAsync($"/v2/site/app/manifests/{gone.Digest}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }

        await Eventually.TrueAsync(() => !File.Exists(BlobPath(server, gone.Layers[1])), "the deleted image's own layer is collected");
        Assert.True(File.Exists(BlobPath(server, shared.Blob)), "a layer another manifest uses was removed");
        await AssertPullableAsync(server, "kept", kept);
    }

    [Fact]
    public async Task AbandonedUpload_Expires()
    {
        await using var server = await StartAsync();
        using var post = await server.Client.PostAsync("/v2/site/app/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();
        using (var patch = await server.Client.PatchAsync(location, new ByteArrayContent(new byte[1000])))
        {
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        }

        var id = post.Header("Docker-Upload-UUID")!;
        await Eventually.TrueAsync(() => !File.Exists(new DataLayout(server.DataPath).UploadPath(id)), "the abandoned upload expires");
        using var status = await server.Client.GetAsync(location);
        await RegistryHttp.AssertOciErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task LeftoverBlobFileWithoutMetadata_IsRemovedOnceOlderThanTheGracePeriod()
    {
        await using var server = await StartAsync();
        var orphan = TestBlob.Random(1000, seed: 1408);
        var path = BlobPath(server, orphan);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, orphan.Bytes); // as a crash between rename and row would leave it

        await Eventually.TrueAsync(() => !File.Exists(path), "the leftover file is removed");
    }

    /// <summary>
    /// A start on a data folder whose database is gone (deleted while stopped) finds blobs no metadata knows:
    /// they are not leftovers, and garbage collection keeps them (it deleted every one before).
    /// </summary>
    [Fact]
    public async Task StartWithTheDatabaseDeleted_KeepsTheBlobsNoMetadataKnows()
    {
        await using var server = await StartAsync();
        var image = TestImage.Create(layers: 2, seed: 1409);
        await server.Client.PushImageAsync("site/app", "v1", image);
        var layout = new DataLayout(server.DataPath);
        await server.StopAsync();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(layout.Database)!, Path.GetFileName(layout.Database) + "*"))
        {
            File.Delete(file);
        }

        await server.StartAgainAsync();
        var collector = server.Services.GetRequiredService<OciCache.Lifecycle.GarbageCollector>();
        await server.Log.WaitForAsync(Serilog.Events.LogEventLevel.Warning, "Garbage collection keeps");
        var report = await collector.CollectAsync(); // a pass that surely ran after the grace period had passed for every file
        Assert.Equal(0, report.Files);
        Assert.All(image.Blobs.Append(image.Manifest), b => Assert.True(File.Exists(BlobPath(server, b)), $"blob {b.Digest} was removed"));
    }

    private static Task<RegistryServer> StartAsync() => RegistryServer.StartAsync(s =>
    {
        s.GarbageCollection.Interval = TimeSpan.FromMilliseconds(200);
        s.GarbageCollection.GracePeriod = TimeSpan.FromSeconds(1);
        s.Uploads.IdleExpiry = TimeSpan.FromSeconds(1);
    });

    private static async Task AssertPullableAsync(RegistryServer server, string tag, TestImage image)
    {
        using var manifest = await server.Client.GetAsync($"/v2/site/app/manifests/{tag}");
        Assert.Equal(image.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
        foreach (var blob in image.Blobs)
        {
            using var response = await server.Client.GetAsync($"/v2/site/app/blobs/{blob.Digest}");
            Assert.Equal(blob.Bytes, await response.Content.ReadAsByteArrayAsync());
        }
    }

    private static string BlobPath(RegistryServer server, TestBlob blob) => new DataLayout(server.DataPath).BlobPath(blob.Digest);
}
