using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Observability;
using OciCache.Oci;
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
    public async Task FailingUpstream_UncachedTagAnswers404WithoutWaitingOnTheUpstream_CachedTagServedStaleWithWarning(int status)
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 501);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s => s.Cache.TagRevalidateInterval = TimeSpan.Zero);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);

        var failure = Response.Create().WithStatusCode(status);
        hub.Override("/v2/", status == 429 ? failure.WithHeader("Retry-After", "120") : failure);

        using var uncached = await cache.Client.GetAsync($"/v2/library/other/manifests/1.0{Ns}");
        await RegistryHttp.AssertOciErrorAsync(uncached, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        Assert.Contains(status == 429 ? "RateLimited" : "ServerError", await uncached.Content.ReadAsStringAsync());
        // Not waited on: a 429 is not retried (its Retry-After is not slept through), a 5xx once (Retries = 1).
        Assert.Equal(status == 429 ? 1 : 2, hub.Count("GET", "/v2/library/other/manifests/1.0"));

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
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s => s.Upstreams["docker.io"].RedirectHosts = [new Uri(cdn.Url).Authority]);

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
    public async Task HangingUpstream_UncachedAnswers404OnTheResponseTimeout_ThenTheBreakerOpensAndTheUpstreamIsLeftAlone()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 504);
        hub.Image("library/app", "1.0", image);
        var responseTimeout = TimeSpan.FromSeconds(30); // while the image is pulled: a slow machine must not trip it
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            s.Cache.TagRevalidateInterval = TimeSpan.Zero;
            // Longer than the response timeout: every request waits its revalidation out, so each failure
            // reaches the breaker before the next request (the slow-revalidation test covers the shorter wait).
            s.Cache.RevalidateWait = TimeSpan.FromMinutes(2);
            s.UpstreamPolicy.ResponseTimeout = responseTimeout;
            s.UpstreamPolicy.BreakAfterFailures = 2;
        });
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);

        // The upstream now hangs. Restarted on the same data (with a fresh breaker), the server gives it 2 s
        // per request: nothing is ever answered, so no machine is too slow for that timeout.
        var hang = hub.Hold("/v2/");
        responseTimeout = TimeSpan.FromSeconds(2);
        await cache.RestartAsync();

        using var first = await cache.Client.GetAsync($"/v2/library/other/manifests/1.0{Ns}");
        await RegistryHttp.AssertOciErrorAsync(first, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        Assert.Contains("Timeout", await first.Content.ReadAsStringAsync()); // the timeout answered, not the upstream
        await hang.WaitForArrivalsAsync(1);

        // The cached tag's revalidation times out the same way; that second failure opens the breaker.
        using (var stale = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}"))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal("111 - \"Revalidation Failed\"", stale.Header("Warning"));
        }

        await hang.WaitForArrivalsAsync(2);
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, "circuit is now Open"), cache.Log.ToString());

        // With the breaker open the upstream is not contacted: the cached copy is served without it.
        using var refused = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Equal(image.Manifest.Bytes, await refused.Content.ReadAsByteArrayAsync());
        Assert.Equal("111 - \"Revalidation Failed\"", refused.Header("Warning"));
        var requests = cache.Services.GetRequiredService<CacheMetrics>().UpstreamRequests;
        Assert.Equal(2, requests.Sum(("outcome", "Timeout")));
        Assert.Equal(1, requests.Sum(("outcome", "Unreachable"))); // refused by the breaker
        Assert.Equal(2, hang.Arrived);
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
            s.Cache.RevalidateWait = TimeSpan.FromSeconds(1); // well inside the 30 s response timeout
        });
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", before, Ns);

        // The tag moves upstream, and the upstream does not answer about it until the test lets it.
        var slow = hub.Hold("/v2/library/app/manifests/1.0");

        using var stale = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(before.Manifest.Bytes, await stale.Content.ReadAsByteArrayAsync());
        Assert.Equal("110 - \"Response is Stale\"", stale.Header("Warning"));
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, "did not answer its revalidation within"), cache.Log.ToString());
        // The revalidation did ask the upstream, which has not answered yet: the client got its copy without it.
        await slow.WaitForArrivalsAsync(1);

        // Nobody waits for the revalidation any more, but it goes on: once answered, it moves the tag.
        slow.Release(FakeUpstream.ManifestResponse(after.Manifest));
        var index = cache.Services.GetRequiredService<IManifestIndex>();
        await Eventually.TrueAsync(async () => (await index.GetTagAsync(Repository.Mirror("docker.io", "library/app"), "1.0"))?.Digest == after.Digest,
            "the background revalidation moves the tag");
        using var moved = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");
        Assert.Equal(after.Manifest.Bytes, await moved.Content.ReadAsByteArrayAsync());
        Assert.Equal(after.Digest.ToString(), moved.Header("Docker-Content-Digest"));
    }

    [Fact]
    public async Task DarkLink_ConnectTimeoutsOpenTheBreaker_WithoutRetries()
    {
        using var dark = new BlackholeServer();
        using var attempts = new HttpAttempts(dark.Port);
        var connectTimeout = TimeSpan.FromSeconds(1);
        await using var cache = await CacheServer.StartAsync("docker.io", dark.Url, s =>
        {
            // Nothing ever answers on a dark link, so a short connect timeout cannot be tripped by a slow machine.
            s.UpstreamPolicy.ConnectTimeout = connectTimeout;
            s.UpstreamPolicy.BreakAfterFailures = 3;
        });

        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await cache.Client.GetAsync($"/v2/library/app{i}/manifests/1.0{Ns}");
            await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
            Assert.Contains("connect timed out", await response.Content.ReadAsStringAsync());
            // It waited for the connect timeout (a lower bound: a loaded machine only adds to it) ...
            Assert.True(watch.Elapsed >= connectTimeout - TimeSpan.FromMilliseconds(50), $"request {i} did not wait for a connect at all ({watch.Elapsed})");
            // ... once: a connect timeout is not retried.
            Assert.Equal(i + 1, attempts.Count);
        }

        Assert.True(cache.Log.Contains(LogEventLevel.Warning, "circuit is now Open"), cache.Log.ToString());
        using var refused = await cache.Client.GetAsync($"/v2/library/app9/manifests/1.0{Ns}");
        await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        Assert.Contains("circuit open", await refused.Content.ReadAsStringAsync());
        Assert.Equal(3, attempts.Count); // with the breaker open the dark link is not even tried
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
        // A fill leaves the coordinator after it deleted its temp file and logged how it ended.
        if (cache.Services.GetRequiredService<FillCoordinator>().Find(blob.Digest) is { } fill)
        {
            await fill.Completion.WaitAsync(Eventually.DefaultTimeout);
        }

        var layout = new DataLayout(cache.DataPath);
        Assert.False(File.Exists(layout.BlobPath(blob.Digest)), "a blob that failed verification was published");
        Assert.Empty(Directory.EnumerateFiles(layout.Temp));
        Assert.Null(await cache.Services.GetRequiredService<IBlobIndex>().GetBlobAsync(blob.Digest));
    }

    private static async Task AssertNothingCachedAsync(RegistryServer cache, string repository)
    {
        using var tags = await cache.Client.GetAsync("/v2/_catalog");
        Assert.DoesNotContain(repository, await tags.Content.ReadAsStringAsync());
    }
}
