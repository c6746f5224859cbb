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
        foreach (var blob in image.Blobs)
        {
            await cache.WhenStoredAsync(blob.Digest); // else the second pull may join a fill still committing: a miss
        }

        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", image, "?ns=metrics.test");

        var lines = (await cache.Client.GetStringAsync("/metrics")).Split('\n');
        var blobs = image.Blobs.Count();
        Assert.Contains($"ocicache_cache_misses_total{{kind=\"blob\",upstream=\"metrics.test\"}} {blobs}", lines);
        Assert.Contains($"ocicache_cache_hits_total{{kind=\"blob\",upstream=\"metrics.test\"}} {blobs}", lines);
        Assert.Contains("ocicache_cache_misses_total{kind=\"manifest\",upstream=\"metrics.test\"} 1", lines);
        Assert.Contains("ocicache_cache_hits_total{kind=\"manifest\",upstream=\"metrics.test\"} 1", lines);
        Assert.Contains($"ocicache_upstream_bytes_total{{upstream=\"metrics.test\"}} {image.Blobs.Sum(b => b.Size)}", lines);
        Assert.Contains($"ocicache_upstream_requests_total{{method=\"GET\",outcome=\"Ok\",upstream=\"metrics.test\"}} {blobs + 1}", lines);
        // The warm pull's blobs came from the store: the WAN bytes it saved.
        Assert.Contains($"ocicache_served_bytes_total{{upstream=\"metrics.test\"}} {image.Blobs.Sum(b => b.Size)}", lines);
        Assert.Contains("ocicache_fills_in_flight 0", lines);
        Assert.Contains($"ocicache_storage_cached_bytes {image.Blobs.Append(image.Manifest).Sum(b => b.Size)}", lines);
        Assert.Contains("ocicache_storage_budget_bytes 0", lines);
        // Two manifest GETs and 2 x blobs blob GETs, all 2xx, each observed once (the scrape itself is "other").
        Assert.Contains("ocicache_request_duration_seconds_count{operation=\"manifest\",status=\"2xx\"} 2", lines);
        Assert.Contains($"ocicache_request_duration_seconds_count{{operation=\"blob\",status=\"2xx\"}} {2 * blobs}", lines);
    }

    /// <summary>
    /// Counts are Prometheus counters, so <c>rate()</c> and <c>increase()</c> apply and resets are understood;
    /// levels stay gauges. https://prometheus.io/docs/practices/naming/ (a counter's name ends in _total)
    /// </summary>
    [Fact]
    public async Task Scrape_EveryCountingSeries_IsACounterNamedTotal_AndNoneIsAGauge()
    {
        string[] counting = ["cache_hits", "cache_misses", "stale_served", "upstream_requests", "upstream_bytes", "fill_failures",
            "served_bytes", "evictions", "evicted_bytes"];
        string[] levels = ["upstream_ratelimit_remaining", "fills_in_flight", "storage_cached_bytes", "storage_budget_bytes",
            "storage_free_bytes", "storage_min_free_bytes", "cluster_leader"];
        string[] histograms = ["request_duration_seconds"];
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 1902);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("metric-types.test", hub.Url);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", image, "?ns=metric-types.test");

        var types = (await cache.Client.GetStringAsync("/metrics")).Split('\n')
            .Where(l => l.StartsWith("# TYPE ocicache_", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .ToDictionary(t => t[2], t => t[3]);

        Assert.All(counting, name => Assert.Equal("counter", types.GetValueOrDefault($"ocicache_{name}_total")));
        Assert.All(histograms, name => Assert.Equal("histogram", types.GetValueOrDefault($"ocicache_{name}")));
        Assert.All(types.Where(t => t.Value is not ("counter" or "histogram")), t =>
        {
            Assert.Equal("gauge", t.Value);
            Assert.Contains(t.Key["ocicache_".Length..], levels);
        });
    }
}
