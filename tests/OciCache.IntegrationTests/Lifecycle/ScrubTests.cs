using System.Net;
using OciCache.IntegrationTests.PullThrough;
using OciCache.Storage;
using Serilog.Events;

namespace OciCache.IntegrationTests.Lifecycle;

/// <summary>Scrub re-hashes stored blobs: a mirror blob corrupted on disk is dropped and refetched, a local one reported unknown.</summary>
public sealed class ScrubTests
{
    [Fact]
    public async Task CorruptMirrorBlob_IsQuarantined_AndHealedFromUpstreamOnTheNextPull()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, layerBytes: 256 * 1024, seed: 1501);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s => s.Scrub.Interval = TimeSpan.FromMilliseconds(300));
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, "?ns=docker.io");
        var layer = image.Layers[0];
        await cache.WhenStoredAsync(layer.Digest);
        var layout = new DataLayout(cache.DataPath);
        Corrupt(layout.BlobPath(layer.Digest));

        await Eventually.TrueAsync(() => Directory.EnumerateFiles(layout.Quarantine).Any(), "scrub quarantines the corrupt blob");

        Assert.True(cache.Log.Contains(LogEventLevel.Error, $"Scrub found blob {layer.Digest} corrupt"), cache.Log.ToString());
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, "?ns=docker.io");
        Assert.Equal(2, hub.CountServed("GET", $"/blobs/{layer.Digest}"));
    }

    [Fact]
    public async Task CorruptLocalBlob_IsQuarantined_AndReportedUnknown()
    {
        await using var server = await RegistryServer.StartAsync(s => s.Scrub.Interval = TimeSpan.FromMilliseconds(300));
        var blob = TestBlob.Random(100_000, seed: 1502);
        await server.Client.PushBlobAsync("site/app", blob);
        var layout = new DataLayout(server.DataPath);
        Corrupt(layout.BlobPath(blob.Digest));

        await Eventually.TrueAsync(() => Directory.EnumerateFiles(layout.Quarantine).Any(), "scrub quarantines the corrupt blob");

        using var response = await server.Client.GetAsync($"/v2/site/app/blobs/{blob.Digest}");
        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
    }

    private static void Corrupt(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = file.Length / 2;
        var value = file.ReadByte();
        file.Position = file.Length / 2;
        file.WriteByte((byte)(value ^ 0xFF));
    }
}
