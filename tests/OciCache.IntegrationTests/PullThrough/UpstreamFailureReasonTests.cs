using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Serilog.Events;
using WireMock.ResponseBuilders;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// What a client and the operator learn when an upstream is wrong or down: the reason in the error
/// message clients print, and one log line per change of the upstream's state, not one per request.
/// </summary>
public sealed class UpstreamFailureReasonTests
{
    private const string Ns = "?ns=docker.io";

    [Fact]
    public async Task UnreachableUpstream_MessageNamesTheReasonWithoutSecrets_AndTheLogHasOneLinePerStateChange()
    {
        var port = ClosedPort();
        await using var cache = await CacheServer.StartAsync("docker.io", $"http://ci:url-secret@127.0.0.1:{port}", s =>
        {
            s.Upstreams["docker.io"].Username = "ci";
            s.Upstreams["docker.io"].Password = "hub-secret";
            s.UpstreamPolicy.Retries = 1;
            s.UpstreamPolicy.BreakAfterFailures = 6; // two attempts a request: the third request opens the breaker
        });

        for (var i = 0; i < 5; i++)
        {
            using var response = await cache.Client.GetAsync($"/v2/library/app{i}/manifests/1.0{Ns}");
            await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
            var body = await response.Content.ReadAsStringAsync();
            var message = Message(body);
            Assert.Contains("docker.io", message);
            Assert.Contains("connection refused", message);
            Assert.DoesNotContain("secret", body);
        }

        using (var blob = await cache.Client.GetAsync($"/v2/library/app/blobs/sha256:{new string('a', 64)}{Ns}"))
        {
            await RegistryHttp.AssertOciErrorAsync(blob, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
            Assert.Contains("connection refused", Message(await blob.Content.ReadAsStringAsync()));
        }

        var lines = UpstreamLines(cache);
        Assert.True(lines.Count == 2, string.Join('\n', lines));
        Assert.Contains("connection refused", lines[0]);
        Assert.Contains("circuit is now Open", lines[1]);
        Assert.Contains("connection refused", lines[1]);
        Assert.DoesNotContain("secret", cache.Log.ToString());
    }

    [Fact]
    public async Task FailingUpstreamThatRecovers_LogsTheFirstFailureAndTheRecovery_OnceEach()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, seed: 531);
        hub.Image("library/app", "1.0", image);
        hub.Override("/v2/", Response.Create().WithStatusCode(503));
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            s.UpstreamPolicy.Retries = 0;
            s.UpstreamPolicy.BreakAfterFailures = 100; // this test is about the lines before a breaker opens
        });

        for (var i = 0; i < 3; i++)
        {
            using var response = await cache.Client.GetAsync($"/v2/library/app/manifests/1.0{Ns}");
            await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
            Assert.Contains("upstream answered 503", Message(await response.Content.ReadAsStringAsync()));
        }

        hub.Server.Reset();
        hub.Image("library/app", "1.0", image);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "app", "1.0", image, Ns);

        var lines = UpstreamLines(cache);
        Assert.True(lines.Count == 2, string.Join('\n', lines));
        Assert.Contains("upstream answered 503", lines[0]);
        Assert.Contains("answers again", lines[1]);
    }

    private static List<string> UpstreamLines(RegistryServer cache) =>
        [.. cache.Log.Events.Where(e => e.Level >= LogEventLevel.Information && e.Message.StartsWith("Upstream docker.io ", StringComparison.Ordinal))
            .Select(e => e.Message)];

    private static string Message(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("errors")[0].GetProperty("message").GetString()!;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port; // stopped on dispose: connecting is refused
    }
}
