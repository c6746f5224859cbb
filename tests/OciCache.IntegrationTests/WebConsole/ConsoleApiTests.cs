using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OciCache.IntegrationTests.PullThrough;

namespace OciCache.IntegrationTests.WebConsole;

/// <summary>The console's JSON API on a real server, against a fake upstream.</summary>
public sealed class ConsoleApiTests
{
    [Fact]
    public async Task ColdThenWarmPull_MovesHitsMissesAndBytes_InOverviewAndHistory()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 2, layerBytes: 50_000, seed: 1301);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("console.test", hub.Url);
        var blobs = image.Blobs.Count();
        var bytes = image.Blobs.Sum(b => b.Size);

        var before = await UpstreamOf(cache, "console.test");
        Assert.Equal("reachable", before.GetProperty("state").GetString());
        Assert.Equal(0, before.GetProperty("hits").GetInt64());
        Assert.Equal(JsonValueKind.Null, before.GetProperty("lastSuccess").ValueKind);

        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", image, "?ns=console.test");
        foreach (var blob in image.Blobs)
        {
            await cache.WhenStoredAsync(blob.Digest);
        }

        var cold = await UpstreamOf(cache, "console.test");
        Assert.Equal(0, cold.GetProperty("hits").GetInt64());
        Assert.Equal(blobs + 1, cold.GetProperty("misses").GetInt64());
        Assert.Equal(bytes, cold.GetProperty("fetchedBytes").GetInt64());
        Assert.Equal(0, cold.GetProperty("servedBytes").GetInt64());
        Assert.Equal(JsonValueKind.String, cold.GetProperty("lastSuccess").ValueKind);

        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", image, "?ns=console.test");

        var warm = await UpstreamOf(cache, "console.test");
        Assert.Equal(blobs + 1, warm.GetProperty("hits").GetInt64());
        Assert.Equal(bytes, warm.GetProperty("servedBytes").GetInt64());
        Assert.Equal(0.5, warm.GetProperty("hitRatio").GetDouble(), 3);

        foreach (var range in new[] { "24h", "7d" })
        {
            using var history = await GetJsonAsync(cache.Client, $"/api/history?range={range}");
            var buckets = history.RootElement.GetProperty("buckets").EnumerateArray().Where(b => b.GetProperty("upstream").GetString() == "console.test").ToList();
            Assert.Equal(blobs + 1, buckets.Sum(b => b.GetProperty("hits").GetInt64()));
            Assert.Equal(blobs + 1, buckets.Sum(b => b.GetProperty("misses").GetInt64()));
            Assert.Equal(bytes, buckets.Sum(b => b.GetProperty("servedBytes").GetInt64()));
            Assert.Equal(bytes, buckets.Sum(b => b.GetProperty("fetchedBytes").GetInt64()));
        }
    }

    [Fact]
    public async Task History_AfterARestart_StillHoldsTheBuckets()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 1302);
        hub.Image("library/app", "1.0", image);
        await using var cache = await CacheServer.StartAsync("history.test", hub.Url);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", image, "?ns=history.test");
        foreach (var blob in image.Blobs)
        {
            await cache.WhenStoredAsync(blob.Digest);
        }

        await cache.RestartAsync(); // the stop records what the minute had not yet

        using var history = await GetJsonAsync(cache.Client, "/api/history?range=7d");
        var bucket = Assert.Single(history.RootElement.GetProperty("buckets").EnumerateArray(), b => b.GetProperty("upstream").GetString() == "history.test");
        Assert.Equal(image.Blobs.Count() + 1, bucket.GetProperty("misses").GetInt64());
        Assert.Equal(image.Blobs.Sum(b => b.Size), bucket.GetProperty("fetchedBytes").GetInt64());
    }

    [Fact]
    public async Task History_UnknownRange_Answers400QueryParameterInvalid()
    {
        await using var server = await RegistryServer.StartAsync();
        using var response = await server.Client.GetAsync("/api/history?range=1y");
        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "QUERY_PARAMETER_INVALID");
    }

    [Fact]
    public async Task RepositoriesAndTags_APushedImage_ShowSizePlatformsPullCountAndPullCommands()
    {
        await using var server = await RegistryServer.StartAsync();
        var image = TestImage.Create(layers: 2, seed: 1303);
        await server.Client.PushImageAsync("site/app", "v1", image);
        using (var pull = await server.Client.GetAsync("/v2/site/app/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        using var list = await GetJsonAsync(server.Client, "/api/repositories?q=APP");
        var repository = Assert.Single(list.RootElement.GetProperty("repositories").EnumerateArray());
        Assert.Equal("site/app", repository.GetProperty("name").GetString());
        Assert.Equal("local", repository.GetProperty("kind").GetString());
        Assert.Equal(1, repository.GetProperty("tags").GetInt32());
        Assert.True(list.RootElement.GetProperty("viewer").GetProperty("readOnly").GetBoolean());

        using var tags = await GetJsonAsync(server.Client, "/api/repositories/site/app/tags");
        var tag = Assert.Single(tags.RootElement.GetProperty("tags").EnumerateArray());
        Assert.Equal("v1", tag.GetProperty("tag").GetString());
        Assert.Equal(image.Manifest.Digest.ToString(), tag.GetProperty("digest").GetString());
        Assert.Equal(image.Blobs.Append(image.Manifest).Sum(b => b.Size), tag.GetProperty("bytes").GetInt64());
        Assert.Equal(1, tag.GetProperty("pullCount").GetInt64());
        Assert.Equal(JsonValueKind.String, tag.GetProperty("lastPulled").ValueKind);
        Assert.Equal($"docker pull {server.Host}/site/app:v1", tag.GetProperty("pull").GetProperty("docker").GetString());
        Assert.Equal($"ctr images pull --plain-http {server.Host}/site/app:v1", tag.GetProperty("pull").GetProperty("ctr").GetString());

        using var missing = await server.Client.GetAsync("/api/repositories/site/none/tags");
        await RegistryHttp.AssertOciErrorAsync(missing, HttpStatusCode.NotFound, "NAME_UNKNOWN");
    }

    [Fact]
    public async Task Changes_WithAccessControlOff_AreRefusedAsReadOnly()
    {
        await using var server = await RegistryServer.StartAsync();

        using var pin = await server.Client.PostAsync("/api/pins", JsonContent.Create(new { pattern = "site/app:*" }));
        await RegistryHttp.AssertOciErrorAsync(pin, HttpStatusCode.Forbidden, "DENIED");
        using var robot = await server.Client.PostAsync("/api/robots", JsonContent.Create(new { name = "ci", scopes = new[] { "repository:site/*:pull" } }));
        await RegistryHttp.AssertOciErrorAsync(robot, HttpStatusCode.Forbidden, "DENIED");

        using var robots = await GetJsonAsync(server.Client, "/api/robots");
        Assert.Empty(robots.RootElement.GetProperty("robots").EnumerateArray());
        Assert.False(robots.RootElement.GetProperty("viewer").GetProperty("accessControl").GetBoolean());
    }

    [Fact]
    public async Task Overview_SaysVersionUptimeCertificateAccessControlAndOffline_InApiAndPage()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RegistryServer.StartAsync(s => s.Cache.Offline = true, time: time);
        time.Advance(TimeSpan.FromMinutes(90));

        using var overview = await GetJsonAsync(server.Client, "/api/overview");
        var info = overview.RootElement.GetProperty("server");
        Assert.False(string.IsNullOrEmpty(info.GetProperty("version").GetString()));
        Assert.Equal(90 * 60, info.GetProperty("uptimeSeconds").GetInt64());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("certificateNotAfter").ValueKind); // plain HTTP: no certificate
        Assert.False(info.GetProperty("accessControl").GetBoolean());
        Assert.True(info.GetProperty("offline").GetBoolean());

        var page = await server.Client.GetStringAsync("/ui/overview");
        Assert.Contains(info.GetProperty("version").GetString()!, page);
        Assert.Contains("1 h 30 min", page);
        Assert.Contains("none (plain HTTP)", page);
        Assert.Contains("Access control", page);
    }

    private static async Task<JsonElement> UpstreamOf(RegistryServer server, string name)
    {
        using var overview = await GetJsonAsync(server.Client, "/api/overview");
        return overview.RootElement.GetProperty("upstreams").EnumerateArray().Single(u => u.GetProperty("name").GetString() == name).Clone();
    }

    internal static async Task<JsonDocument> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body);
    }
}
