using System.Net;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// Listings of mirror repositories are forwarded from validated parts only: a request that smuggles a path
/// or a parameter is refused before the upstream hears of it, and only n, last and artifactType go upstream.
/// </summary>
public sealed class MirrorForwarderTests
{
    private const string Subject = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("/v2/docker.io/library/app/referrers/..%2F..%2F..%2F_catalog", HttpStatusCode.BadRequest, "DIGEST_INVALID")]
    [InlineData("/v2/library/app/referrers/..%2F..%2F..%2F_catalog?ns=docker.io", HttpStatusCode.BadRequest, "DIGEST_INVALID")]
    [InlineData("/v2/library/app/referrers/sha256:..%2F..%2F_catalog?ns=docker.io", HttpStatusCode.BadRequest, "DIGEST_INVALID")]
    [InlineData("/v2/library/app%2F..%2F..%2F_catalog/tags/list?ns=docker.io", HttpStatusCode.BadRequest, "NAME_INVALID")]
    [InlineData("/v2/library/app/tags/list?ns=docker.io&n=1%2F..%2F..", HttpStatusCode.BadRequest, "PAGINATION_NUMBER_INVALID")]
    [InlineData("/v2/library/app/tags/list?ns=docker.io&last=..%2F..%2F_catalog", HttpStatusCode.BadRequest, "QUERY_PARAMETER_INVALID")]
    [InlineData("/v2/library/app/referrers/" + Subject + "?ns=docker.io&artifactType=..%2F..%2F_catalog", HttpStatusCode.BadRequest, "QUERY_PARAMETER_INVALID")]
    [InlineData("/v2/library/app/referrers/" + Subject + "?ns=docker.io&artifactType=application/spdx%2Bjson%0A", HttpStatusCode.BadRequest, "QUERY_PARAMETER_INVALID")]
    [InlineData("/v2/library/app/tags/list?ns=docker.io&last=v1%0A", HttpStatusCode.BadRequest, "QUERY_PARAMETER_INVALID")]
    [InlineData("/v2/library/app%0A/tags/list?ns=docker.io", HttpStatusCode.BadRequest, "NAME_INVALID")]
    public async Task MalformedListing_IsRefused_AndReachesNoUpstream(string path, HttpStatusCode status, string code)
    {
        using var hub = FakeUpstream.Start();
        hub.Override("/", Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"name":"x","tags":[]}"""));
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);

        using var response = await cache.Client.GetAsync(path);

        await RegistryHttp.AssertOciErrorAsync(response, status, code);
        Assert.Empty(hub.Requests);
    }

    /// <summary>
    /// Manifests of mirrors do not go through the forwarder but through the cache (MirrorManifests), whose
    /// upstream URL is built from the parsed reference: a reference or name that smuggles a path, or a
    /// trailing newline (.NET's <c>$</c> matches before a final <c>\n</c>), must never reach the upstream.
    /// </summary>
    [Theory]
    [InlineData("/v2/library/app/manifests/..%2F..%2F_catalog?ns=docker.io")]
    [InlineData("/v2/library/app/manifests/..%2F..%2Fprivate%2Fsecret%2Ftags%2Flist?ns=docker.io")]
    [InlineData("/v2/library/app/manifests/latest%2F..%2F..%2F_catalog?ns=docker.io")]
    [InlineData("/v2/library/app/manifests/sha256:..%2F..%2F_catalog?ns=docker.io")]
    [InlineData("/v2/library/app/manifests/latest%0A?ns=docker.io")]
    [InlineData("/v2/library/app/manifests/latest%0D%0AX-Injected:%201?ns=docker.io")]
    [InlineData("/v2/library/app%0A/manifests/latest?ns=docker.io")]
    [InlineData("/v2/docker.io/library/app/manifests/latest%0A")]
    [InlineData("/v2/library/app/blobs/sha256:..%2F..%2F_catalog?ns=docker.io")]
    public async Task ForgedManifestReference_ReachesNoUpstream(string path)
    {
        using var hub = FakeUpstream.Start();
        hub.Override("/", Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"repositories":["private/secret"]}"""));
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var response = await cache.Client.SendAsync(new HttpRequestMessage(method, path));

            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{method} {path}: {await RegistryHttp.Describe(response)}");
        }

        Assert.Empty(hub.Requests.Select(e => e.RequestMessage.Url));
    }

    [Fact]
    public async Task TagsList_ForwardsOnlyKnownParameters_AndRewritesTheNextLink()
    {
        using var hub = FakeUpstream.Start();
        hub.Server.Given(Request.Create().WithPath("/v2/library/app/tags/list").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json")
                .WithHeader("Link", "<https://elsewhere.example/v2/other/tags/list?n=2&last=b&evil=1>; rel=\"next\"")
                .WithBody("""{"name":"library/app","tags":["a","b"]}"""));
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);

        using var response = await cache.Client.GetAsync("/v2/library/app/tags/list?ns=docker.io&n=2&foo=bar&last=0");

        Assert.True(response.StatusCode == HttpStatusCode.OK, await RegistryHttp.Describe(response));
        Assert.Contains("\"b\"", await response.Content.ReadAsStringAsync());
        Assert.Equal("</v2/library/app/tags/list?n=2&last=b&ns=docker.io>; rel=\"next\"", response.Header("Link"));
        var forwarded = Assert.Single(hub.Requests).RequestMessage;
        Assert.Equal("/v2/library/app/tags/list", forwarded.Path);
        Assert.Equal(new Dictionary<string, string> { ["n"] = "2", ["last"] = "0" },
            forwarded.Query!.ToDictionary(q => q.Key, q => q.Value.ToString()));
    }

    [Theory]
    [InlineData("/v2/library/app/tags/list?ns=docker.io", "/v2/library/app/tags/list")]
    [InlineData("/v2/library/app/referrers/" + Subject + "?ns=docker.io", "/v2/library/app/referrers/" + Subject)]
    public async Task Listing_ForwardsOnlyAllowedClientHeaders(string path, string upstreamPath)
    {
        using var hub = FakeUpstream.Start();
        hub.Server.Given(Request.Create().WithPath(upstreamPath).UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody("""{"name":"library/app","tags":["a"]}"""));
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);
        using var request = RegistryHttp.Request(HttpMethod.Get, path, null,
            ("Accept", "application/json"), ("User-Agent", "containerd/2.0"), ("X-Registry-Auth", "client-secret"),
            ("X-Forwarded-For", "10.9.8.7"), ("X-Real-IP", "10.9.8.7"), ("Forwarded", "for=10.9.8.7"), ("X-Custom", "1"),
            ("Cookie", "session=client-secret"), ("Authorization", "Bearer client-secret"), ("Range", "bytes=0-1"));

        using var response = await cache.Client.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await RegistryHttp.Describe(response));
        var forwarded = Assert.Single(hub.Requests).RequestMessage;
        Assert.Equal(upstreamPath, forwarded.Path);
        var names = forwarded.Headers!.Keys.Select(k => k.ToLowerInvariant()).ToHashSet();
        Assert.Empty(names.Intersect(["x-registry-auth", "x-forwarded-for", "x-real-ip", "forwarded", "x-custom", "cookie", "authorization", "range"]));
        Assert.Equal("application/json", Assert.Single(hub.HeaderValues("Accept")));
        Assert.Equal("containerd/2.0", Assert.Single(hub.HeaderValues("User-Agent")));
        Assert.DoesNotContain(forwarded.Headers!.Values.SelectMany(v => v), v => v.Contains("client-secret", StringComparison.Ordinal) || v.Contains("10.9.8.7", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Referrers_ForwardsTheParsedDigestAndFilter()
    {
        using var hub = FakeUpstream.Start();
        hub.Server.Given(Request.Create().WithPath($"/v2/owner/tool/referrers/{Subject}").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/vnd.oci.image.index.v1+json")
                .WithBody("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"""));
        await using var cache = await CacheServer.StartAsync("ghcr.io", hub.Url);

        using var response = await cache.Client.GetAsync($"/v2/ghcr.io/owner/tool/referrers/{Subject}?artifactType=application/spdx%2Bjson&x=1");

        Assert.True(response.StatusCode == HttpStatusCode.OK, await RegistryHttp.Describe(response));
        var forwarded = Assert.Single(hub.Requests).RequestMessage;
        Assert.Equal($"/v2/owner/tool/referrers/{Subject}", forwarded.Path);
        Assert.Equal("application/spdx+json", Assert.Single(forwarded.Query!, q => q.Key == "artifactType").Value.ToString());
        Assert.Single(forwarded.Query!);
    }
}
