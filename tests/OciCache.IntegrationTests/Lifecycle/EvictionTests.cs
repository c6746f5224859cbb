using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.IntegrationTests.PullThrough;
using OciCache.Lifecycle;
using OciCache.PullThrough;
using OciCache.Storage;

namespace OciCache.IntegrationTests.Lifecycle;

/// <summary>
/// The disk budget: least recently used images go first, pinned and still-needed content stays. Where the
/// order of use matters the server runs on the test's clock, moved between pulls, so every pull has a
/// moment of its own however fast or slow the machine.
/// </summary>
public sealed class EvictionTests
{
    private const string Ns = "?ns=docker.io";
    private const int LayerBytes = 1 << 20;

    [Fact]
    public async Task OverBudget_EvictsLeastRecentlyUsedImage_KeepsPinnedAndRecentlyUsed()
    {
        using var hub = FakeUpstream.Start();
        var images = new Dictionary<string, TestImage>();
        foreach (var (name, seed) in new[] { ("pinned", 1101), ("a", 1102), ("b", 1103), ("c", 1104) })
        {
            images[name] = TestImage.Create(layers: 1, layerBytes: LayerBytes, seed: seed);
            hub.Image($"library/{name}", "1.0", images[name]);
        }

        // Three images fit; a fourth crosses the budget, and evicting one brings it under the low-water mark (90%).
        var budget = (long)(3.7 * Size(images["a"]));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cache = await StartAsync(hub, budget, time, "docker.io/pinned:*");
        foreach (var name in new[] { "pinned", "a", "b" })
        {
            await PullAsync(cache, name, images[name]);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await PullAsync(cache, "a", images["a"]); // a is now more recent than b
        time.Advance(TimeSpan.FromSeconds(1));
        await PullAsync(cache, "c", images["c"]); // over budget: one image must go

        await WaitUnderBudgetAsync(cache, budget);
        Assert.True(IsCached(cache, images["pinned"]), "the pinned image was evicted");
        Assert.True(IsCached(cache, images["a"]), $"a recently used image was evicted:\n{cache.Log}");
        Assert.True(IsCached(cache, images["c"]), "the newest image was evicted");
        Assert.False(IsCached(cache, images["b"]), "the least recently used image was kept");
        await PullAsync(cache, "b", images["b"]); // an evicted image is simply fetched again
    }

    [Fact]
    public async Task Eviction_KeepsLayersOtherImagesStillUse_AndNeverTouchesLocalContent()
    {
        using var hub = FakeUpstream.Start();
        var shared = TestImage.Layer(1201, LayerBytes);
        var old = TestImage.Compose([shared, TestImage.Layer(1202, LayerBytes)], seed: 1203);
        var recent = TestImage.Compose([shared, TestImage.Layer(1204, LayerBytes)], seed: 1205);
        hub.Image("library/old", "1", old);
        hub.Image("library/recent", "1", recent);
        // Three distinct layers are cached; evicting the old image's own layer is enough to get under the budget.
        var budget = (long)(2.5 * shared.Blob.Size);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cache = await StartAsync(hub, budget, time);
        var local = TestImage.Create(layers: 2, layerBytes: 2 * LayerBytes, seed: 1206); // 4 MiB, more than the whole budget
        await cache.Client.PushImageAsync("site/app", "v1", local);

        await PullAsync(cache, "old", old, "1");
        time.Advance(TimeSpan.FromSeconds(1));
        await PullAsync(cache, "recent", recent, "1"); // 4 MiB of cached content: over budget

        await WaitUnderBudgetAsync(cache, budget);
        Assert.False(File.Exists(BlobPath(cache, old.Layers[1].Digest)), "the old image's own layer was kept");
        Assert.True(File.Exists(BlobPath(cache, shared.Blob.Digest)), "a layer the kept image uses was evicted");
        Assert.True(IsCached(cache, recent));
        Assert.True(IsCached(cache, local), "local content was evicted");
        using var manifest = await cache.Client.GetAsync("/v2/site/app/manifests/v1");
        Assert.Equal(local.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ConcurrentPullsUnderASmallBudget_AllSucceedByteForByte_AndTheBudgetHolds()
    {
        using var hub = FakeUpstream.Start();
        var images = Enumerable.Range(0, 8).Select(i => TestImage.Create(layers: 1, layerBytes: LayerBytes, seed: 1300 + i)).ToList();
        for (var i = 0; i < images.Count; i++)
        {
            hub.Image($"library/img{i}", "1.0", images[i]);
        }

        await using var cache = await StartAsync(hub, maxBytes: 3 * LayerBytes, time: null);
        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(images.Select((image, i) => PullAsync(cache, $"img{i}", image)));
        }

        await WaitUnderBudgetAsync(cache, 3 * LayerBytes);
        var lines = (await cache.Client.GetStringAsync("/metrics")).Split('\n');
        var evictedImages = lines.Single(l => l.StartsWith("ocicache_evictions_total{kind=\"image\"} ", StringComparison.Ordinal));
        Assert.True(long.Parse(evictedImages.Split(' ')[1]) > 0, evictedImages);
        var bytes = lines.Single(l => l.StartsWith("ocicache_evicted_bytes_total ", StringComparison.Ordinal));
        Assert.True(long.Parse(bytes.Split(' ')[1]) >= 5 * LayerBytes, bytes); // 8 images of a layer each, 3 fit
    }

    /// <summary>
    /// Eviction runs without pause under a budget nothing fits in, so every manifest is taken as soon as it
    /// is stored: each pull by tag fetches it again, and the answer must still be the manifest (it was a
    /// 404 with the digest when the manifest was read back from the store after being written).
    /// </summary>
    [Fact]
    public async Task PullsByTag_WhileEvictionTakesEverything_AlwaysGetTheManifest()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, layerBytes: 4096, seed: 1400);
        hub.Image("library/churn", "1.0", image);
        await using var cache = await StartAsync(hub, maxBytes: 1, time: null);
        var evictor = cache.Services.GetRequiredService<CacheEvictor>();
        using var stop = new CancellationTokenSource();
        var evicted = 0L;
        var churn = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                evicted += await evictor.EvictAsync(CancellationToken.None);
            }
        });

        try
        {
            // Until the evictor took the manifest between pulls 20 times (on a loaded machine it may start late).
            for (var round = 0; hub.CountServed("GET", "/manifests/1.0") < 20; round++)
            {
                Assert.True(round < 20_000, "the evictor never took the manifest between pulls");
                using var manifest = await cache.Client.GetAsync($"/v2/churn/manifests/1.0{Ns}");
                Assert.True(manifest.StatusCode == System.Net.HttpStatusCode.OK, $"round {round}: {await RegistryHttp.Describe(manifest)}");
                Assert.Equal(image.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
            }
        }
        finally
        {
            stop.Cancel();
            await churn;
        }

        Assert.True(evicted > 0, "the evictor took the manifest at least once");
    }

    private static long Size(TestImage image) => image.Blobs.Append(image.Manifest).Sum(b => b.Size);

    private static Task<RegistryServer> StartAsync(FakeUpstream hub, long maxBytes, FakeTimeProvider? time, params string[] pins) =>
        CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            s.Storage.MaxCacheBytes = maxBytes;
            s.Storage.Pins = [.. pins];
            s.Storage.EvictionInterval = TimeSpan.FromMilliseconds(100);
            s.Storage.AccessFlushInterval = TimeSpan.FromMilliseconds(50);
        }, time);

    private static Task PullAsync(RegistryServer cache, string name, TestImage image, string tag = "1.0") =>
        UpstreamAuthTests.AssertPullsAsync(cache.Client, name, tag, image, Ns);

    /// <summary>
    /// Waits until every fill has committed (a client may have its last byte before the blob is recorded)
    /// and the background eviction brought the cache under its budget, then until an eviction pass that
    /// may still be under way has finished: a pass of our own queues behind it, and finds nothing to do.
    /// </summary>
    private static async Task WaitUnderBudgetAsync(RegistryServer cache, long budget)
    {
        var index = cache.Services.GetRequiredService<IEvictionIndex>();
        var fills = cache.Services.GetRequiredService<FillCoordinator>();
        await Eventually.TrueAsync(async () => fills.Active == 0 && await index.GetCachedBytesAsync() <= budget,
            $"every fill commits and eviction brings the cache under its budget of {budget} bytes");
        Assert.Equal(0, await cache.Services.GetRequiredService<CacheEvictor>().EvictAsync(CancellationToken.None));
        var cached = await index.GetCachedBytesAsync();
        Assert.True(cached <= budget, $"cached bytes {cached} stay over the budget {budget}");
    }

    private static bool IsCached(RegistryServer cache, TestImage image) =>
        image.Blobs.Append(image.Manifest).All(b => File.Exists(BlobPath(cache, b.Digest)));

    private static string BlobPath(RegistryServer cache, OciCache.Oci.Digest digest) => new DataLayout(cache.DataPath).BlobPath(digest);
}
