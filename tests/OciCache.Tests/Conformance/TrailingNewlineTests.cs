using System.Net;
using System.Net.Sockets;
using OciCache.Upstream;

namespace OciCache.Tests.Conformance;

/// <summary>
/// Names and tags that end in a newline (<c>%0A</c> in the URL) are refused at the edge: nothing is stored,
/// listed or asked of an upstream. In .NET <c>$</c> matches before a final <c>\n</c>, so a grammar anchored
/// with it let these through.
/// </summary>
public sealed class TrailingNewlineTests : IAsyncLifetime
{
    private readonly TcpListener _upstream = new(IPAddress.Loopback, 0);
    private RegistryServer _server = null!;

    public async Task InitializeAsync()
    {
        _upstream.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)_upstream.LocalEndpoint).Port}";
        _server = await RegistryServer.StartAsync(s => s.Upstreams["docker.io"] = new UpstreamOptions { Url = url });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _upstream.Stop();
    }

    [Fact]
    public async Task ManifestPut_TagEndingInNewline_Answers400_AndIsNotListed()
    {
        var repo = RegistryFixture.NewRepository("nl");
        var image = TestImage.Create(layers: 1, layerBytes: 100, seed: 61);
        await _server.Client.PushImageAsync(repo, "ok", image);

        using var put = await _server.Client.PutManifestAsync(repo, "nl%0A", image.Manifest);

        await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
        using var get = await _server.Client.GetAsync($"/v2/{repo}/manifests/nl%0A");
        await RegistryHttp.AssertOciErrorAsync(get, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        var tags = await _server.Client.GetStringAsync($"/v2/{repo}/tags/list");
        Assert.Equal($$"""{"name":"{{repo}}","tags":["ok"]}""", tags);
    }

    [Fact]
    public async Task Push_ToNameEndingInNewline_IsRefused_AndNotInTheCatalog()
    {
        var image = TestImage.Create(layers: 1, layerBytes: 100, seed: 62);

        using var post = await _server.Client.PostAsync("/v2/site/evil%0A/blobs/uploads/", null);
        await RegistryHttp.AssertOciErrorAsync(post, HttpStatusCode.BadRequest, "NAME_INVALID");
        using var put = await _server.Client.PutManifestAsync("site/evil%0A", "v1", image.Manifest);
        await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.BadRequest, "NAME_INVALID");

        var catalog = await _server.Client.GetStringAsync("/v2/_catalog");
        Assert.DoesNotContain("evil", catalog);
    }

    // A pull of a reference that can name no manifest is a 404 (see ManifestHandlers.GetAsync), a bad name a 400.
    [Theory]
    [InlineData("/v2/docker.io/library/app/manifests/latest%0A", HttpStatusCode.NotFound, "MANIFEST_UNKNOWN")]
    [InlineData("/v2/library/app/manifests/latest%0A?ns=docker.io", HttpStatusCode.NotFound, "MANIFEST_UNKNOWN")]
    [InlineData("/v2/docker.io/library/app%0A/manifests/latest", HttpStatusCode.BadRequest, "NAME_INVALID")]
    [InlineData("/v2/docker.io/library/app%0A/tags/list", HttpStatusCode.BadRequest, "NAME_INVALID")]
    public async Task MirrorReference_EndingInNewline_IsRefused_BeforeAnyUpstream(string path, HttpStatusCode status, string code)
    {
        using var response = await _server.Client.GetAsync(path);

        await RegistryHttp.AssertOciErrorAsync(response, status, code);
        Assert.False(_upstream.Pending(), "the upstream was contacted");
    }
}
