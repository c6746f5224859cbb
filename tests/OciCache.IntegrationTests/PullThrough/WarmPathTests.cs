using System.Net;
using OciCache.Storage;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>Warm requests are answered locally: no upstream request, and a HEAD by tag from memory alone.</summary>
public sealed class WarmPathTests
{
    private const string Ns = "?ns=docker.io";

    [Fact]
    public async Task WarmPull_MakesNoUpstreamRequest()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 2, seed: 901);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);
        var before = hub.Requests.Count;

        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", image.Digest.ToString(), image, Ns);

        Assert.Equal(before, hub.Requests.Count);
    }

    [Fact]
    public async Task WarmHeadByTag_IsAnsweredFromMemory_WithoutDiskOrUpstream()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 902);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);
        using (var warm = await cache.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/library/app/manifests/1.0{Ns}")))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var before = hub.Requests.Count;
        // Take the manifest's file away: only an answer from memory can still be right.
        File.Delete(new DataLayout(cache.DataPath).BlobPath(image.Digest));

        using var head = await cache.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/library/app/manifests/1.0{Ns}"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(image.Digest.ToString(), head.Header("Docker-Content-Digest"));
        Assert.Equal(image.Manifest.Size, head.Content.Headers.ContentLength);
        Assert.Equal(before, hub.Requests.Count);
    }
}
