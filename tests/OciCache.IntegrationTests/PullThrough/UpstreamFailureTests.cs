using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OciCache.PullThrough;
using OciCache.Storage;
using Serilog.Events;
using WireMock.ResponseBuilders;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// Upstreams that fail on cue. For each: what the client gets, that nothing bad is cached, and that the
/// server keeps serving.
/// </summary>
public sealed class UpstreamFailureTests
{
    private const string Ns = "?ns=docker.io";

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task FailingUpstream_UncachedTagAnswers404Quickly_CachedTagServedStaleWithWarning(int status)
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 501);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s => s.Cache.TagRevalidateInterval = TimeSpan.Zero);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);

        var failure = Response.Create().WithStatusCode(status);
        hub.Override("/v2/", status == 429 ? failure.WithHeader("Retry-After", "120") : failure);

        var watch = Stopwatch.StartNew();
        using var uncached = await cache.Client.GetAsync($"/v2/library/other/manifests/1.0{Ns}");
        await RegistryHttp.AssertOciErrorAsync(uncached, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"404 took {watch.Elapsed}");

        using var cached = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(image.Manifest.Bytes, await cached.Content.ReadAsByteArrayAsync());
        Assert.Equal("111 - \"Revalidation Failed\"", cached.Header("Warning"));
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, "Serving docker.io/library/app:1.0 from cache"), cache.Log.ToString());
        var metrics = (await cache.Client.GetStringAsync("/metrics")).Split('\n');
        Assert.Contains("ocicache_stale_served_total{upstream=\"docker.io\"} 1", metrics);
        await AssertNothingCachedAsync(cache, "docker.io/library/other");
    }

    [Fact]
    public async Task ConnectionResetMidBlob_CutsTheClient_CachesNothing_AndRecovers()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, layerBytes: 2 << 20, seed: 502);
        var layer = image.Layers[0];
        hub.Image("library/app", "1.0", image);
        // The blob goes to a "CDN" whose connection is reset after half of the announced bytes.
        using var cdn = new ResettingServer(layer.Bytes, cutAt: layer.Bytes.Length / 2);
        hub.Override($"/v2/library/app/blobs/{layer.Digest}", Response.Create().WithStatusCode(307).WithHeader("Location", $"{cdn.Url}/blob"));
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);

        await AssertCutOffAsync(cache.Client, $"/v2/library/app/blobs/{layer.Digest}{Ns}");

        await AssertBlobNotStoredAsync(cache, layer);
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, $"Fetch of blob {layer.Digest} failed"), cache.Log.ToString());
        hub.Server.Reset();
        hub.Image("library/app", "1.0", image);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);
    }

    [Fact]
    public async Task WrongBytesForDigest_CutsTheClient_PublishesNothing_AndLogsAnError()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, layerBytes: 1 << 20, seed: 503);
        var layer = image.Layers[0];
        hub.Image("library/app", "1.0", image);
        var wrong = (byte[])layer.Bytes.Clone();
        wrong[^10] ^= 0x5A; // same length, one byte off near the end
        hub.Blob("library/app", layer.Digest, wrong, priority: 1);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);

        await AssertCutOffAsync(cache.Client, $"/v2/library/app/blobs/{layer.Digest}{Ns}");

        await AssertBlobNotStoredAsync(cache, layer);
        Assert.True(cache.Log.Contains(LogEventLevel.Error, $"wrong content for blob {layer.Digest}"), cache.Log.ToString());
        using var healthy = await cache.Client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task HangingUpstream_UncachedAnswers404WithinTheTimeout_ThenFastOnceTheBreakerOpens()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 504);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            s.Cache.TagRevalidateInterval = TimeSpan.Zero;
            // Longer than the response timeout: every request waits its revalidation out, so each failure
            // reaches the breaker before the next request (the slow-revalidation test covers the shorter wait).
            s.Cache.RevalidateWait = TimeSpan.FromSeconds(10);
            s.UpstreamPolicy.BreakAfterFailures = 2;
        });
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);
        hub.Override("/v2/", Response.Create().WithDelay(TimeSpan.FromSeconds(60)));

        var watch = Stopwatch.StartNew();
        using var first = await cache.Client.GetAsync($"/v2/library/other/manifests/1.0{Ns}");
        await RegistryHttp.AssertOciErrorAsync(first, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(6), $"the first answer took {watch.Elapsed}");

        // Each failed revalidation costs one response timeout until the breaker has seen enough failures
        // against the successes still in its window; then the upstream is not contacted at all.
        for (var i = 0; i < 2; i++)
        {
            using var stale = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.NotNull(stale.Header("Warning"));
        }

        watch.Restart();
        using var fast = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(500), $"with the breaker open an answer took {watch.Elapsed}");
    }

    [Fact]
    public async Task SlowRevalidation_ServesTheCachedTagAfterTheWait_AndFinishesInTheBackground()
    {
        using var hub = FakeUpstream.Start();
        var before = TestImage.Create(layers: 1, seed: 506);
        var after = TestImage.Create(layers: 1, seed: 507);
        hub.Image("library/app", "1.0", before);
        hub.Image("library/app", "2.0", after);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            s.Cache.TagRevalidateInterval = TimeSpan.Zero;
            s.Cache.RevalidateWait = TimeSpan.FromMilliseconds(300);
        });
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", before, Ns);

        // The tag moves upstream, and every answer about it now takes 1.5 s (inside the 2 s response timeout).
        hub.Override("/v2/library/app/manifests/1.0", Response.Create()
            .WithStatusCode(200)
            .WithHeader("Content-Type", after.Manifest.MediaType)
            .WithHeader("Docker-Content-Digest", after.Digest.ToString())
            .WithBody(after.Manifest.Bytes)
            .WithDelay(TimeSpan.FromMilliseconds(1500)));

        var watch = Stopwatch.StartNew();
        using var stale = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(1200), $"the cached tag took {watch.Elapsed}");
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(before.Manifest.Bytes, await stale.Content.ReadAsByteArrayAsync());
        Assert.Equal("110 - \"Response is Stale\"", stale.Header("Warning"));
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, "did not answer its revalidation within"), cache.Log.ToString());

        // Nobody waited for the revalidation, but it went on: the tag now names the moved manifest.
        var moved = await Eventually.ValueAsync(async () =>
        {
            using var response = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");
            var bytes = await response.Content.ReadAsByteArrayAsync();
            return bytes.AsSpan().SequenceEqual(after.Manifest.Bytes) ? response.Header("Docker-Content-Digest") : null;
        }, "the background revalidation moves the tag");
        Assert.Equal(after.Digest.ToString(), moved);
    }

    [Fact]
    public async Task DarkLink_ConnectTimeoutsOpenTheBreaker_WithoutRetries()
    {
        using var dark = new BlackholeServer();
        await using var cache = await CacheServer.StartAsync("docker.io", dark.Url, s => s.UpstreamPolicy.BreakAfterFailures = 3);

        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await cache.Client.GetAsync($"/v2/library/app{i}/manifests/1.0{Ns}");
            await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
            // One connect timeout (1 s in these tests), not one per retry.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.8), $"request {i} took {watch.Elapsed}");
            Assert.True(watch.Elapsed > TimeSpan.FromSeconds(0.8), $"request {i} did not wait for a connect at all ({watch.Elapsed})");
        }

        var fast = Stopwatch.StartNew();
        using var refused = await cache.Client.GetAsync($"/v2/library/app9/manifests/1.0{Ns}");
        await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        Assert.True(fast.Elapsed < TimeSpan.FromMilliseconds(300), $"with the breaker open the answer took {fast.Elapsed}");
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, "circuit is now Open"), cache.Log.ToString());
    }

    [Theory]
    [InlineData(UpstreamNotFoundPolicy.ServeCached, HttpStatusCode.OK)]
    [InlineData(UpstreamNotFoundPolicy.NotFound, HttpStatusCode.NotFound)]
    public async Task UpstreamLosesCachedTag_FollowsPolicy(UpstreamNotFoundPolicy policy, HttpStatusCode expected)
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 505);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            s.Cache.TagRevalidateInterval = TimeSpan.Zero;
            s.Cache.OnUpstreamNotFound = policy;
        });
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);
        hub.Override("/v2/library/app/manifests/1.0", Response.Create().WithStatusCode(404));

        using var response = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");

        Assert.Equal(expected, response.StatusCode);
        if (policy == UpstreamNotFoundPolicy.ServeCached)
        {
            Assert.True(cache.Log.Contains(LogEventLevel.Information, "no longer has docker.io/library/app:1.0"), cache.Log.ToString());
        }
    }

    [Fact]
    public async Task LowRateLimit_IsLoggedAndExported()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 506);
        hub.Image("library/app", "1.0", image);
        hub.Override("/v2/library/app/manifests/1.0", Response.Create()
            .WithHeader("Content-Type", image.Manifest.MediaType)
            .WithHeader("Docker-Content-Digest", image.Digest.ToString())
            .WithHeader("ratelimit-limit", "100;w=21600")
            .WithHeader("ratelimit-remaining", "3;w=21600")
            .WithBody(image.Manifest.Bytes));
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);

        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);

        Assert.True(cache.Log.Contains(LogEventLevel.Warning, "rate limit is low: 3 of 100"), cache.Log.ToString());
        var metrics = (await cache.Client.GetStringAsync("/metrics")).Split('\n');
        Assert.Contains("ocicache_upstream_ratelimit_remaining{upstream=\"docker.io\"} 3", metrics);
    }

    /// <summary>The client must not receive the whole body: the response is cut.</summary>
    private static async Task AssertCutOffAsync(HttpClient client, string path)
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return; // refused before any byte: also not wrong content
            }

            await response.Content.ReadAsByteArrayAsync();
        });
        Assert.True(error is HttpRequestException or IOException, $"the client got a complete response: {error}");
    }

    private static async Task AssertBlobNotStoredAsync(RegistryServer cache, TestBlob blob)
    {
        var layout = new DataLayout(cache.DataPath);
        for (var i = 0; i < 50 && Directory.EnumerateFiles(layout.Temp).Any(); i++)
        {
            await Task.Delay(100); // the failed fill cleans up after itself
        }

        Assert.False(File.Exists(layout.BlobPath(blob.Digest)), "a blob that failed verification was published");
        Assert.Empty(Directory.EnumerateFiles(layout.Temp));
        Assert.Null(cache.Services.GetRequiredService<IMetadataIndex>().GetBlob(blob.Digest));
    }

    private static async Task AssertNothingCachedAsync(RegistryServer cache, string repository)
    {
        using var tags = await cache.Client.GetAsync("/v2/_catalog");
        Assert.DoesNotContain(repository, await tags.Content.ReadAsStringAsync());
    }
}
