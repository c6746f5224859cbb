using System.Net;
using System.Text;
using OciCache.Oci;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>Token challenges, redirects to other hosts, and who gets to see which credentials.</summary>
public sealed class UpstreamAuthTests
{
    private const string ClientCredentials = "Basic Y2xpZW50OnNlY3JldA=="; // client:secret, the client's own business

    [Fact]
    public async Task DockerHub_TokenFlowWithCredentials_And307ToCdn_CachesWithoutLeakingCredentials()
    {
        using var hub = FakeUpstream.Start();
        using var auth = FakeUpstream.Start();
        using var cdn = FakeUpstream.Start();
        var image = TestImage.Create(layers: 2, seed: 401);
        hub.Manifest("library/app", "1.0", image.Manifest, "Bearer hub-token");
        hub.Manifest("library/app", image.Digest.ToString(), image.Manifest, "Bearer hub-token");
        foreach (var blob in image.Blobs)
        {
            // Docker Hub hands blobs to its CDN with a signed, short-lived URL.
            hub.Server.Given(Request.Create().WithPath($"/v2/library/app/blobs/{blob.Digest}").UsingGet().WithHeader("Authorization", "Bearer hub-token"))
                .AtPriority(5)
                .RespondWith(Response.Create().WithStatusCode(307).WithHeader("Location", $"{cdn.Url}/registry-v2/{blob.Hex}/data?verify=signed"));
            cdn.Server.Given(Request.Create().WithPath($"/registry-v2/{blob.Hex}/data").UsingGet())
                .RespondWith(Response.Create().WithBody(blob.Bytes));
        }

        hub.Override("/v2/", Response.Create().WithStatusCode(401).WithHeader("WWW-Authenticate",
            $"Bearer realm=\"{auth.Url}/token\",service=\"registry.docker.io\",scope=\"repository:library/app:pull\""), priority: 10);
        var upstreamCredentials = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("site-user:site-pass"));
        auth.Server.Given(Request.Create().WithPath("/token").UsingGet().WithHeader("Authorization", upstreamCredentials))
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json")
                .WithBody("""{"token":"hub-token","access_token":"hub-token","expires_in":300,"issued_at":"2026-11-22T00:00:00Z"}"""));
        auth.Override("/token", Response.Create().WithStatusCode(401), priority: 10);

        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            s.Upstreams["docker.io"].Username = "site-user";
            s.Upstreams["docker.io"].Password = "site-pass";
            // The token service and the CDN run on this machine too: listed, since loopback is refused otherwise.
            s.Upstreams["docker.io"].RedirectHosts = [new Uri(auth.Url).Authority, new Uri(cdn.Url).Authority];
        });
        cache.Client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", ClientCredentials);

        await AssertPullsAsync(cache.Client, "app", "1.0", image, "?ns=docker.io");
        await AssertPullsAsync(cache.Client, "app", "1.0", image, "?ns=docker.io"); // warm: from the store

        var tokenRequests = auth.Requests.Where(r => r.RequestMessage.Path == "/token").ToList();
        Assert.Single(tokenRequests); // fetched once, then cached for its lifetime
        Assert.Contains("service=registry.docker.io", tokenRequests[0].RequestMessage.Url);
        Assert.Contains("scope=repository%3Alibrary%2Fapp%3Apull", tokenRequests[0].RequestMessage.Url);
        Assert.Equal(1, hub.CountServed("GET", "/manifests/1.0")); // the second pull came from the store
        Assert.Equal(image.Blobs.Count(), cdn.Count("GET", "/registry-v2/"));
        Assert.Empty(cdn.HeaderValues("Authorization")); // never an upstream token or credential to a redirect target
        Assert.DoesNotContain(upstreamCredentials, hub.HeaderValues("Authorization")); // credentials only to the token realm
        foreach (var fake in new[] { hub, auth, cdn })
        {
            Assert.DoesNotContain(ClientCredentials, fake.HeaderValues("Authorization")); // client credentials never go upstream
        }
    }

    [Fact]
    public async Task Ghcr_AnonymousTokenFromLenientChallenge_Pulls()
    {
        using var ghcr = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 402);
        ghcr.Image("owner/tool", "v2", image, requireAuthorization: "Bearer ghcr-anon");
        // Unquoted values, as some registries send them.
        ghcr.Override("/v2/", Response.Create().WithStatusCode(401).WithHeader("WWW-Authenticate",
            $"Bearer realm={ghcr.Url}/token,service=ghcr.io,scope=repository:owner/tool:pull"), priority: 10);
        ghcr.Server.Given(Request.Create().WithPath("/token").UsingGet())
            .RespondWith(Response.Create().WithBody("""{"token":"ghcr-anon"}"""));

        await using var cache = await CacheServer.StartAsync("ghcr.io", ghcr.Url);

        await AssertPullsAsync(cache.Client, "ghcr.io/owner/tool", "v2", image, "");
        var tokenRequest = ghcr.Requests.Single(r => r.RequestMessage.Path == "/token");
        Assert.False(tokenRequest.RequestMessage.Headers?.ContainsKey("Authorization") ?? false); // anonymous
        Assert.Contains("scope=repository%3Aowner%2Ftool%3Apull", tokenRequest.RequestMessage.Url);
    }

    [Fact]
    public async Task RegistryK8s_RedirectsEverythingIncludingManifestHeads_ClientNeverSeesARedirect()
    {
        using var k8s = FakeUpstream.Start();
        using var region = FakeUpstream.Start();
        var image = TestImage.Create(layers: 2, seed: 403);
        region.Image("pause", "3.10", image);
        k8s.Server.Given(Request.Create().WithPath(p => p.StartsWith("/v2/", StringComparison.Ordinal)).UsingAnyMethod())
            .RespondWith(Response.Create().WithCallback(request => new WireMock.ResponseMessage
            {
                StatusCode = 307,
                Headers = new Dictionary<string, WireMock.Types.WireMockList<string>> { ["Location"] = new($"{region.Url}{request.Path}") },
            }));

        await using var cache = await CacheServer.StartAsync("registry.k8s.io", k8s.Url, s =>
        {
            s.Cache.TagRevalidateInterval = TimeSpan.Zero;
            s.Upstreams["registry.k8s.io"].RedirectHosts = [new Uri(region.Url).Authority];
        });

        // containerd: HEAD by tag to resolve, then GETs by digest.
        using var head = await cache.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v2/pause/manifests/3.10?ns=registry.k8s.io"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(image.Digest.ToString(), head.Header("Docker-Content-Digest"));
        await AssertPullsAsync(cache.Client, "pause", image.Digest.ToString(), image, "?ns=registry.k8s.io");

        // Revalidation of the cached tag is a HEAD, followed through the redirect too.
        using var again = await cache.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v2/pause/manifests/3.10?ns=registry.k8s.io"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Null(again.Header("Warning"));
        Assert.True(region.Count("HEAD", "/v2/pause/manifests/3.10") >= 1);
        Assert.True(k8s.Count("HEAD", "/v2/pause/manifests/3.10") >= 1);
    }

    [Theory]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(401, true)]
    public async Task UpstreamRefusingTheConfiguredCredentials_IsAWarningNamingTheUpstream(int status, bool byTokenService)
    {
        using var hub = FakeUpstream.Start();
        if (byTokenService)
        {
            hub.Override("/v2/", Response.Create().WithStatusCode(401).WithHeader("WWW-Authenticate",
                $"Bearer realm=\"{hub.Url}/token\",service=\"registry.docker.io\""), priority: 10);
            hub.Override("/token", Response.Create().WithStatusCode(status), priority: 1);
        }
        else
        {
            hub.Override("/v2/", Response.Create().WithStatusCode(status), priority: 1);
        }

        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            s.Upstreams["docker.io"].Username = "site-user";
            s.Upstreams["docker.io"].Password = "wrong";
        });

        using var response = await cache.Client.GetAsync("/v2/library/app/manifests/1.0?ns=docker.io");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // containerd moves on to its next host
        Assert.True(cache.Log.Contains(Serilog.Events.LogEventLevel.Warning, "Upstream docker.io refused the configured credentials of site-user"),
            cache.Log.ToString());
        Assert.DoesNotContain("wrong", cache.Log.ToString());
    }

    [Theory]
    [InlineData("/v2/library/app/manifests/1.0?ns=evil.example.com")]
    [InlineData("/v2/library/app/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000?ns=10.0.0.1:5000")]
    public async Task UnconfiguredNamespace_IsNeverContacted_AndAnswersNameUnknown(string path)
    {
        using var hub = FakeUpstream.Start();
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);

        using var response = await cache.Client.GetAsync(path);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.NotFound, "NAME_UNKNOWN");
        Assert.Empty(hub.Requests);
    }

    /// <summary>Pulls manifest and blobs through the cache and checks every byte.</summary>
    internal static async Task AssertPullsAsync(HttpClient client, string repository, string reference, TestImage image, string query)
    {
        using var manifest = await client.GetAsync($"/v2/{repository}/manifests/{reference}{query}");
        Assert.True(manifest.StatusCode == HttpStatusCode.OK, await RegistryHttp.Describe(manifest));
        Assert.Equal(image.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
        Assert.Equal(image.Digest.ToString(), manifest.Header("Docker-Content-Digest"));
        foreach (var blob in image.Blobs)
        {
            using var response = await client.GetAsync($"/v2/{repository}/blobs/{blob.Digest}{query}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, await RegistryHttp.Describe(response));
            Assert.Equal(blob.Bytes, await response.Content.ReadAsByteArrayAsync());
        }
    }
}
