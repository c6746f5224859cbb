using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Types;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// An upstream decides where its redirects send the cache: only to http(s), and to loopback only when the
/// upstream is itself on loopback. A redirect the cache does not follow never reaches the client, body and all.
/// </summary>
public sealed class RedirectPolicyTests
{
    private const string Secret = "loopback-only-secret";

    [Fact]
    public async Task NonLoopbackUpstream_RedirectingToLoopback_IsNotFollowed()
    {
        using var hub = FakeUpstream.Start();
        using var internalService = FakeUpstream.Start();
        internalService.Override("/", Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
            .WithBody($$"""{"name":"library/app","tags":["{{Secret}}"]}"""));
        var loopbackTarget = $"http://127.0.0.1:{new Uri(internalService.Url).Port}";
        RedirectEverything(hub, path => $"{loopbackTarget}{path}");
        // The upstream as the cache reaches it: by the machine's own non-loopback address.
        var upstreamUrl = $"http://{MachineAddress()}:{new Uri(hub.Url).Port}";
        await using var cache = await CacheServer.StartAsync("docker.io", upstreamUrl);

        using var tags = await cache.Client.GetAsync("/v2/library/app/tags/list?ns=docker.io");
        using var blob = await cache.Client.GetAsync($"/v2/library/app/blobs/sha256:{new string('a', 64)}?ns=docker.io");

        Assert.True(hub.Count("GET", "/v2/library/app/tags/list") >= 1, "the upstream was to be asked");
        Assert.Empty(internalService.Requests);
        Assert.DoesNotContain(Secret, await tags.Content.ReadAsStringAsync());
        Assert.False((int)tags.StatusCode is >= 300 and < 400, await RegistryHttp.Describe(tags));
        Assert.False(blob.IsSuccessStatusCode, await RegistryHttp.Describe(blob));
    }

    [Fact]
    public async Task LoopbackUpstream_RedirectingToAnotherLoopbackService_IsNotFollowed()
    {
        using var hub = FakeUpstream.Start();
        using var internalService = FakeUpstream.Start();
        internalService.Override("/", Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
            .WithBody($$"""{"name":"library/app","tags":["{{Secret}}"]}"""));
        RedirectEverything(hub, path => $"http://127.0.0.1:{new Uri(internalService.Url).Port}{path}");
        await using var cache = await CacheServer.StartAsync("docker.io", $"http://127.0.0.1:{new Uri(hub.Url).Port}");

        using var tags = await cache.Client.GetAsync("/v2/library/app/tags/list?ns=docker.io");
        using var blob = await cache.Client.GetAsync($"/v2/library/app/blobs/sha256:{new string('b', 64)}?ns=docker.io");

        Assert.True(hub.Count("GET", "/v2/library/app/tags/list") >= 1, "the upstream was to be asked");
        Assert.Empty(internalService.Requests);
        Assert.DoesNotContain(Secret, await tags.Content.ReadAsStringAsync());
        Assert.False(blob.IsSuccessStatusCode, await RegistryHttp.Describe(blob));
    }

    [Fact]
    public async Task LoopbackUpstream_RedirectingToAListedRedirectHost_IsFollowed()
    {
        using var hub = FakeUpstream.Start();
        using var storage = FakeUpstream.Start();
        storage.Override("/", Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
            .WithBody("""{"name":"library/app","tags":["from-storage"]}"""));
        var storageAuthority = $"127.0.0.1:{new Uri(storage.Url).Port}";
        RedirectEverything(hub, path => $"http://{storageAuthority}{path}");
        await using var cache = await CacheServer.StartAsync("docker.io", $"http://127.0.0.1:{new Uri(hub.Url).Port}",
            s => s.Upstreams["docker.io"].RedirectHosts = [storageAuthority]);

        using var tags = await cache.Client.GetAsync("/v2/library/app/tags/list?ns=docker.io");

        Assert.Contains("from-storage", await tags.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/v2/library/app/tags/list")]
    [InlineData("loop")]
    public async Task TagsListRedirect_NotFollowed_NeverReachesTheClient(string location)
    {
        using var hub = FakeUpstream.Start();
        RedirectEverything(hub, path => location == "loop" ? $"{hub.Url}{path}" : location);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);

        using var response = await cache.Client.GetAsync("/v2/library/app/tags/list?ns=docker.io");

        Assert.False((int)response.StatusCode is >= 300 and < 400, await RegistryHttp.Describe(response));
        Assert.Null(response.Headers.Location);
        Assert.DoesNotContain("redirect-body", await response.Content.ReadAsStringAsync());
    }

    private static void RedirectEverything(FakeUpstream upstream, Func<string, string> location) =>
        upstream.Server.Given(Request.Create().WithPath(p => p.StartsWith("/v2/", StringComparison.Ordinal)).UsingAnyMethod())
            .RespondWith(Response.Create().WithCallback(request => new ResponseMessage
            {
                StatusCode = 302,
                Headers = new Dictionary<string, WireMockList<string>>
                {
                    ["Location"] = new(location(request.Path)),
                    ["Content-Type"] = new("application/json"),
                },
                BodyData = new WireMock.Util.BodyData { BodyAsString = $$"""{"tags":["redirect-body","{{Secret}}"]}""", DetectedBodyType = WireMock.Types.BodyType.String },
            }));

    /// <summary>An IPv4 address of this machine that is not loopback (the fake upstreams listen on all addresses).</summary>
    private static IPAddress MachineAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a) && a.GetAddressBytes()[0] != 169)
        ?? throw new InvalidOperationException("this test needs a non-loopback IPv4 address on the machine");
}
