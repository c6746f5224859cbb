using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Oci;
using OciCache.Storage;
using Serilog.Events;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// A data volume that fills up while a cold blob is teed: the client still gets every byte, streamed
/// through; nothing partial is kept; once space returns the next pull is cached as usual.
/// </summary>
public sealed class DiskFullTests
{
    private const string Ns = "?ns=docker.io";

    [Fact]
    public async Task DiskFillsDuringTee_ClientStillGetsTheBlob_NothingIsKept_AndCachingResumesWithSpace()
    {
        await using var volume = await SmallFilesystem.MountAsync(6 << 20);
        using var hub = FakeUpstream.Start();
        var blob = TestBlob.Random(16 << 20, seed: 701); // far more than the volume holds
        hub.Blob("library/big", blob);
        await using var cache = await RegistryServer.StartAsync(s =>
        {
            s.Upstreams["docker.io"] = new() { Url = hub.Url };
        }, dataPath: volume.Path);

        await AssertWholeBlobAsync(cache.Client, $"/v2/library/big/blobs/{blob.Digest}{Ns}", blob);

        var layout = new DataLayout(cache.DataPath);
        Assert.False(File.Exists(layout.BlobPath(blob.Digest)));
        Assert.Empty(Directory.EnumerateFiles(layout.Temp));
        Assert.Null(cache.Services.GetRequiredService<IMetadataIndex>().GetBlob(blob.Digest));
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, $"Cannot store blob {blob.Digest}"), cache.Log.ToString());

        await volume.ResizeAsync(64 << 20);
        await AssertWholeBlobAsync(cache.Client, $"/v2/library/big/blobs/{blob.Digest}{Ns}", blob);
        await Eventually.TrueAsync(() => File.Exists(layout.BlobPath(blob.Digest)), "with space back, the blob is cached");
        Assert.Equal(2, hub.CountServed("GET", $"/blobs/{blob.Digest}"));
    }

    [Fact]
    public async Task DiskFullDuringPush_FailsClearly_KeepsNothing_AndPushWorksWithSpace()
    {
        await using var volume = await SmallFilesystem.MountAsync(4 << 20);
        await using var cache = await RegistryServer.StartAsync(dataPath: volume.Path);
        var blob = TestBlob.Random(8 << 20, seed: 702);

        using var post = await cache.Client.PostAsync($"/v2/site/app/blobs/uploads/?digest={blob.Digest}", new ByteArrayContent(blob.Bytes));

        await RegistryHttp.AssertOciErrorAsync(post, HttpStatusCode.InsufficientStorage, "UNKNOWN");
        var layout = new DataLayout(cache.DataPath);
        Assert.False(File.Exists(layout.BlobPath(blob.Digest)));
        Assert.Empty(Directory.EnumerateFiles(layout.Temp));

        await volume.ResizeAsync(32 << 20);
        await cache.Client.PushBlobAsync("site/app", blob);
        using var get = await cache.Client.GetAsync($"/v2/site/app/blobs/{blob.Digest}");
        Assert.Equal(blob.Bytes, await get.Content.ReadAsByteArrayAsync());
    }

    private static async Task AssertWholeBlobAsync(HttpClient client, string path, TestBlob blob)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal(blob.Digest, Digest.FromHash(Digest.Sha256, await SHA256.HashDataAsync(body)));
    }
}
