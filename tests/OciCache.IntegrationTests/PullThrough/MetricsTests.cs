namespace OciCache.IntegrationTests.PullThrough;

/// <summary>What the cache does is visible on /metrics, as Prometheus series named ocicache_*.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task ColdThenWarmPull_IsCountedAsMissesThenHits_WithUpstreamRequestsAndBytes()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 2, layerBytes: 100_000, seed: 1901);
        hub.Image("library/app", "1.0", image);
        // A name of its own, so series of other servers in this test process cannot mix in.
        await using var cache = await CacheServer.StartAsync("metrics.test", hub.Url);

        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", image, "?ns=metrics.test");
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", image, "?ns=metrics.test");

        var lines = (await cache.Client.GetStringAsync("/metrics")).Split('\n');
        var blobs = image.Blobs.Count();
        Assert.Contains($"ocicache_cache_misses{{kind=\"blob\",upstream=\"metrics.test\"}} {blobs}", lines);
        Assert.Contains($"ocicache_cache_hits{{kind=\"blob\",upstream=\"metrics.test\"}} {blobs}", lines);
        Assert.Contains("ocicache_cache_misses{kind=\"manifest\",upstream=\"metrics.test\"} 1", lines);
        Assert.Contains("ocicache_cache_hits{kind=\"manifest\",upstream=\"metrics.test\"} 1", lines);
        Assert.Contains($"ocicache_upstream_bytes{{upstream=\"metrics.test\"}} {image.Blobs.Sum(b => b.Size)}", lines);
        Assert.Contains($"ocicache_upstream_requests{{method=\"GET\",outcome=\"Ok\",upstream=\"metrics.test\"}} {blobs + 1}", lines);
    }
}
