using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.Upstream;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// An upstream's Allow and Deny lists are decided before anything is fetched (403 DENIED naming the rule,
/// and the upstream sees no request), and the offline switch serves what the cache holds without asking
/// any upstream, answering 404 at once for the rest.
/// </summary>
public sealed class UpstreamPolicyTests
{
    private const string Ns = "?ns=docker.io";

    [Fact]
    public async Task DeniedRepository_ByTagByDigestBlobAndListing_Answers403_AndNothingIsFetched()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 1501);
        hub.Image("evil/miner", "latest", image);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s => s.Upstreams["docker.io"].Deny = ["evil/*"]);

        foreach (var path in new[]
        {
            "/v2/evil/miner/manifests/latest", $"/v2/evil/miner/manifests/{image.Digest}",
            $"/v2/evil/miner/blobs/{image.Layers[0].Digest}", "/v2/evil/miner/tags/list", $"/v2/evil/miner/referrers/{image.Digest}",
        })
        {
            using var response = await cache.Client.GetAsync(path + Ns);
            await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.Forbidden, "DENIED");
            using var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains("Upstreams:docker.io:Deny 'evil/*'", error.RootElement.GetProperty("errors")[0].GetProperty("detail").GetString());
        }

        using (var head = await cache.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/evil/miner/manifests/latest{Ns}")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, head.StatusCode);
        }

        Assert.Empty(hub.Requests);
    }

    [Fact]
    public async Task AllowList_AdmitsItsTagsAndTheRepositoryDigests_RefusesTheRest_WithoutAskingTheUpstream()
    {
        using var hub = FakeUpstream.Start();
        var allowed = TestImage.Create(layers: 1, seed: 1502);
        hub.Image("team/tool", "v2", allowed);
        hub.Image("team/tool", "latest", allowed);
        hub.Image("other/thing", "1.0", TestImage.Create(layers: 1, seed: 1503));
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s => s.Upstreams["docker.io"].Allow = ["team/tool:v*"]);

        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "team/tool", "v2", allowed, Ns);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "team/tool", allowed.Digest.ToString(), allowed, Ns);
        var served = hub.Requests.Count;

        using (var latest = await cache.Client.GetAsync($"/v2/team/tool/manifests/latest{Ns}"))
        {
            await RegistryHttp.AssertOciErrorAsync(latest, HttpStatusCode.Forbidden, "DENIED");
        }

        using (var other = await cache.Client.GetAsync($"/v2/other/thing/manifests/1.0{Ns}"))
        {
            await RegistryHttp.AssertOciErrorAsync(other, HttpStatusCode.Forbidden, "DENIED");
        }

        Assert.Equal(served, hub.Requests.Count);
    }

    [Fact]
    public void MalformedRule_StopsTheStart_NamingTheKey()
    {
        var settings = new OciCache.Hosting.OciCacheSettings { Listen = "127.0.0.1:0" };
        settings.Upstreams["docker.io"] = new UpstreamOptions { Url = "https://hub.example", Deny = ["Library/Nginx"] };
        var error = Assert.Throws<OciCache.Hosting.SettingsException>(() => OciCache.Hosting.OciCacheApp.Build(settings));
        Assert.Contains(error.Errors, e => e.StartsWith("Upstreams:docker.io:Deny:0:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Offline_ServesCachedTagsWithoutRevalidation_AndAnswers404AtOnceForTheRest_AskingNoUpstream()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 2, seed: 1504);
        hub.Image("library/app", "1.0", image);
        var coldImage = TestImage.Create(layers: 1, seed: 1505);
        hub.Image("library/cold", "1.0", coldImage);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, time: time);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", image, Ns);
        foreach (var blob in image.Blobs)
        {
            await cache.WhenStoredAsync(blob.Digest);
        }

        cache.Services.GetRequiredService<OfflineSwitch>().Set(true);
        var asked = hub.Requests.Count;
        time.Advance(TimeSpan.FromHours(1)); // far past the revalidation interval

        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", image, Ns);
        using (var cold = await cache.Client.GetAsync($"/v2/library/cold/manifests/1.0{Ns}"))
        {
            await RegistryHttp.AssertOciErrorAsync(cold, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
            Assert.Contains("offline", await cold.Content.ReadAsStringAsync());
        }

        using (var coldBlob = await cache.Client.GetAsync($"/v2/library/cold/blobs/{coldImage.Layers[0].Digest}{Ns}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, coldBlob.StatusCode);
        }

        using (var tags = await cache.Client.GetAsync($"/v2/library/app/tags/list{Ns}"))
        {
            Assert.Equal(HttpStatusCode.OK, tags.StatusCode);
            Assert.Contains("1.0", await tags.Content.ReadAsStringAsync());
        }

        Assert.Contains("offline", await cache.Client.GetStringAsync("/readyz"));
        Assert.Equal(asked, hub.Requests.Count);

        cache.Services.GetRequiredService<OfflineSwitch>().Set(false);
        Assert.Equal("ok", await cache.Client.GetStringAsync("/readyz"));
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/cold", "1.0", coldImage, Ns);
    }
}
