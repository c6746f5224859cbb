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
        Assert.Null(await cache.Services.GetRequiredService<IBlobIndex>().GetBlobAsync(blob.Digest));
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

    /// <summary>
    /// The volume is full before any pull (issue 11, item 4: 3 of 10 cold 1-2 MB pulls got 200 then a reset,
    /// a 128 MiB one got no byte): eleven concurrent cold pulls each get every byte, relayed, and nothing is kept.
    /// </summary>
    [Fact]
    public async Task VolumeAlreadyFull_ConcurrentColdPulls_EachGetEveryByte()
    {
        await using var volume = await SmallFilesystem.MountAsync(4 << 20);
        using var hub = FakeUpstream.Start();
        var blobs = Enumerable.Range(0, 10).Select(i => TestBlob.Random((1 << 20) + i * 100_000, seed: 720 + i))
            .Append(TestBlob.Random(128 << 20, seed: 730)).ToList();
        foreach (var blob in blobs)
        {
            hub.Blob("library/full", blob);
        }

        await using var cache = await RegistryServer.StartAsync(s => s.Upstreams["docker.io"] = new() { Url = hub.Url }, dataPath: volume.Path);
        FillUp(Path.Combine(volume.Path, "filler"));

        await Task.WhenAll(blobs.Select(b => AssertWholeBlobAsync(cache.Client, $"/v2/library/full/blobs/{b.Digest}{Ns}", b)));

        var layout = new DataLayout(cache.DataPath);
        Assert.All(blobs, b => Assert.False(File.Exists(layout.BlobPath(b.Digest))));
        Assert.All(blobs, b => Assert.True(cache.Log.Contains(LogEventLevel.Warning, $"Cannot store blob {b.Digest}"), $"{b.Digest} was not relayed"));

        // With the volume full even SQLite's shared-memory file may fail to grow for a read: look with space back.
        File.Delete(Path.Combine(volume.Path, "filler"));
        var index = cache.Services.GetRequiredService<IBlobIndex>();
        await Assert.AllAsync(blobs, async b => Assert.Null(await index.GetBlobAsync(b.Digest)));
    }

    /// <summary>
    /// A volume that fills up after content is cached (another process, a log gone wild): warm pulls go on
    /// being served, and the server still stops cleanly. Its last flush of access times failed the shutdown
    /// with SQLITE_FULL.
    /// </summary>
    [Fact]
    public async Task VolumeFilledAfterCaching_WarmPullsAreServed_AndTheServerStopsCleanly()
    {
        await using var volume = await SmallFilesystem.MountAsync(8 << 20);
        using var hub = FakeUpstream.Start();
        var images = Enumerable.Range(0, 10).Select(i => TestImage.Create(layers: 1, layerBytes: 10_000, seed: 740 + i)).ToList();
        for (var i = 0; i < images.Count; i++)
        {
            hub.Image($"library/w{i}", "1.0", images[i]);
        }

        await using var cache = await RegistryServer.StartAsync(s => s.Upstreams["docker.io"] = new() { Url = hub.Url }, dataPath: volume.Path);
        for (var i = 0; i < images.Count; i++)
        {
            await UpstreamAuthTests.AssertPullsAsync(cache.Client, $"library/w{i}", "1.0", images[i], Ns);
            foreach (var blob in images[i].Blobs)
            {
                await cache.WhenStoredAsync(blob.Digest);
            }
        }

        FillUp(Path.Combine(volume.Path, "filler"));
        for (var i = 0; i < images.Count; i++)
        {
            await UpstreamAuthTests.AssertPullsAsync(cache.Client, $"library/w{i}", "1.0", images[i], Ns);
        }

        // The host's stop used to fail with SQLITE_FULL from the last flush of access times. That flush may
        // also find room (SQLite reuses its WAL after a checkpoint); refused, it is one warning, never an error.
        await cache.StopAsync();
        Assert.DoesNotContain(cache.Log.Events, e => e.Level >= LogEventLevel.Error);
        Assert.All(cache.Log.Events.Where(e => e.Message.Contains("Last-access")),
            e => Assert.Contains("Last-access times of this run were not saved at shutdown", e.Message));
    }

    /// <summary>Writes until the volume refuses another byte.</summary>
    private static void FillUp(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
            // full
        }

        try
        {
            while (true)
            {
                file.Write(chunk, 0, 1);
            }
        }
        catch (IOException)
        {
            // not one byte more
        }
    }

    private static async Task AssertWholeBlobAsync(HttpClient client, string path, TestBlob blob)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal(blob.Digest, Digest.FromHash(Digest.Sha256, await SHA256.HashDataAsync(body)));
    }
}
