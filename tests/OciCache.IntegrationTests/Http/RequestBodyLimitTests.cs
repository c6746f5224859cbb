using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using OciCache.Auth;
using OciCache.Oci;

namespace OciCache.IntegrationTests.Http;

/// <summary>
/// Every request body is bounded by its route: forms and the console's JSON a few KiB, manifests 4 MiB,
/// blob uploads not at all (streamed to disk). A body past its bound gets 413 SIZE_INVALID, and the server
/// goes on serving.
/// </summary>
public sealed class RequestBodyLimitTests : IAsyncLifetime
{
    private const string DevPassword = "dev-pw-6611";

    private readonly AuthSetup _auth = new(("dev", DevPassword));
    private RegistryServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RegistryServer.StartAsync(_auth.Configure(a =>
            a.Policies = [new PolicyRule { Repositories = ["**"], Users = ["dev"], Actions = ["pull", "push"] }]));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _auth.Dispose();
    }

    [Theory]
    [InlineData("/token")]
    [InlineData("/ui/signin")]
    public async Task Form_Oversized_413AndTheServerKeepsServing(string path)
    {
        var form = Encoding.ASCII.GetBytes("username=" + new string('a', 16 * 1024 * 1024));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(form) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        request.Headers.ExpectContinue = true; // the client waits for the server's go before it sends the body

        using var response = await _server.Client.SendAsync(request);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "SIZE_INVALID");
        await AssertTokenWorksAsync();
    }

    [Fact]
    public async Task Form_OversizedSentWithoutWaiting_413AndTheServerKeepsServing()
    {
        // A client that sends its 160 MB form straight away: the answer comes after the headers.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _server.BaseUri.Port);
        var stream = tcp.GetStream();
        var head = $"POST /token HTTP/1.1\r\nHost: {_server.Host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {160L * 1000 * 1000}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + "username=" + new string('a', 32 * 1024)));

        using var reader = new StreamReader(stream, Encoding.ASCII);
        var status = await reader.ReadLineAsync();

        Assert.Equal("HTTP/1.1 413 Payload Too Large", status);
        await AssertTokenWorksAsync();
    }

    [Fact]
    public async Task Form_ManyFieldsWithinTheBound_400NotA500()
    {
        var fields = string.Join('&', Enumerable.Range(0, 1500).Select(i => $"f{i}=1"));
        using var content = new StringContent(fields, Encoding.ASCII, "application/x-www-form-urlencoded");

        using var response = await _server.Client.PostAsync("/token", content);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
    }

    [Fact]
    public async Task BlobUploads_LargerThanAnyForm_StillStored()
    {
        using var dev = AuthSetup.BasicClient(_server, "dev", DevPassword);
        var monolithic = TestBlob.Random(3 * 1024 * 1024, seed: 6611);
        await dev.PushBlobAsync("team/big", monolithic);

        var chunked = TestBlob.Random(2 * 1024 * 1024 + 5, seed: 6612);
        using var start = await dev.PostAsync("/v2/team/big/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        using var patch = await dev.PatchAsync(start.Headers.Location, new ByteArrayContent(chunked.Bytes));
        Assert.True(patch.StatusCode == HttpStatusCode.Accepted, await RegistryHttp.Describe(patch));
        var location = patch.Headers.Location!.ToString();
        using var put = await dev.PutAsync($"{location}{(location.Contains('?') ? '&' : '?')}digest={chunked.Digest}", null);
        Assert.True(put.StatusCode == HttpStatusCode.Created, await RegistryHttp.Describe(put));

        var posted = TestBlob.Random(1024 * 1024, seed: 6613);
        using var single = await dev.PostAsync($"/v2/team/big/blobs/uploads/?digest={posted.Digest}", new ByteArrayContent(posted.Bytes));
        Assert.True(single.StatusCode == HttpStatusCode.Created, await RegistryHttp.Describe(single));

        foreach (var blob in new[] { monolithic, chunked, posted })
        {
            Assert.Equal(blob.Bytes, await dev.GetByteArrayAsync($"/v2/team/big/blobs/{blob.Digest}"));
        }
    }

    [Fact]
    public async Task Manifest_Over4MiB_413AndASmallOneStillPushes()
    {
        using var dev = AuthSetup.BasicClient(_server, "dev", DevPassword);
        var padding = new string('x', ManifestDocument.MaxSize);
        var huge = TestBlob.Json(MediaTypes.OciIndex, $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[],"annotations":{"pad":"{{padding}}"} }""");

        using var refused = await dev.PutManifestAsync("team/huge", "v1", huge);

        await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.RequestEntityTooLarge, "SIZE_INVALID");
        Assert.Contains($"{ManifestDocument.MaxSize} bytes", await refused.Content.ReadAsStringAsync());
        await dev.PushImageAsync("team/huge", "v1", TestImage.Create(layers: 1, seed: 6614));
    }

    [Fact]
    public async Task ConsoleJson_Oversized_413()
    {
        using var dev = AuthSetup.BasicClient(_server, "dev", DevPassword);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys")
        {
            Content = new StringContent($$"""{"name":"{{new string('k', 1024 * 1024)}}","scopes":["repository:team/*:pull"]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;

        using var response = await dev.SendAsync(request);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "SIZE_INVALID");
    }

    private async Task AssertTokenWorksAsync()
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = "dev", ["password"] = DevPassword, ["scope"] = "repository:team/app:pull",
        });
        using var token = await _server.Client.PostAsync("/token", content);
        Assert.True(token.StatusCode == HttpStatusCode.OK, await RegistryHttp.Describe(token));
    }
}
