using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.Tests.Conformance;

/// <summary>
/// Cross-repository mounts (end-11) link a blob only from a valid local repository that links it: a mount
/// never turns cached upstream content (counted in <c>Storage:MaxCacheBytes</c>, evictable) into local
/// content the client never sent. Any other mount falls back to an upload session (202), as the spec says
/// for a mount the registry cannot do.
/// </summary>
public sealed class MountTests : IAsyncLifetime
{
    private readonly TestBlob _cached = TestBlob.Random(64 * 1024, seed: 111);
    private ScriptedUpstream _upstream = null!;
    private RegistryServer _server = null!;

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync(async context =>
        {
            context.Response.Headers["Docker-Content-Digest"] = _cached.Digest.ToString();
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = _cached.Size;
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await context.Response.Body.WriteAsync(_cached.Bytes);
            }
        });
        _server = await RegistryServer.StartAsync(s => s.Upstreams["docker.io"] = new UpstreamOptions { Url = _upstream.Url });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task MountFromMirrorRepository_Answers202_AndTheBlobStaysCachedContent()
    {
        using (var pull = await _server.Client.GetAsync($"/v2/docker.io/library/app/blobs/{_cached.Digest}"))
        {
            Assert.Equal(_cached.Bytes, await pull.Content.ReadAsByteArrayAsync());
        }

        var index = _server.Services.GetRequiredService<IEvictionIndex>();
        await Eventually.TrueAsync(async () => await index.GetCachedBytesAsync() == _cached.Size, "the pulled blob is cached");

        using var mount = await _server.Client.PostAsync(
            $"/v2/site/app/blobs/uploads/?mount={_cached.Digest}&from=docker.io/library/app", null);

        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
        Assert.StartsWith("/v2/site/app/blobs/uploads/", mount.Headers.Location!.ToString());
        Assert.Equal(_cached.Size, await index.GetCachedBytesAsync());
        Assert.Null(await _server.Services.GetRequiredService<IBlobIndex>().GetLinkedBlobSizeAsync(Repository.Local("site/app"), _cached.Digest));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Site/Upper")]
    [InlineData("..%2F..%2Fetc")]
    [InlineData("site/app%0A")]
    public async Task MountWithAnInvalidFrom_Answers202(string from)
    {
        var local = TestBlob.Random(4096, seed: 112);
        await _server.Client.PushBlobAsync("site/holder", local);

        using var mount = await _server.Client.PostAsync($"/v2/site/other/blobs/uploads/?mount={local.Digest}&from={from}", null);

        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
        var index = _server.Services.GetRequiredService<IBlobIndex>();
        Assert.Null(await index.GetLinkedBlobSizeAsync(Repository.Local("site/other"), local.Digest));
    }

    [Fact]
    public async Task MountWithoutFrom_Answers202()
    {
        var local = TestBlob.Random(4096, seed: 113);
        await _server.Client.PushBlobAsync("site/holder", local);

        using var mount = await _server.Client.PostAsync($"/v2/site/other/blobs/uploads/?mount={local.Digest}", null);

        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
    }

    [Fact]
    public async Task MountFromLocalRepositoryNotHoldingTheBlob_Answers202()
    {
        var local = TestBlob.Random(4096, seed: 114);
        await _server.Client.PushBlobAsync("site/holder", local);

        using var mount = await _server.Client.PostAsync($"/v2/site/other/blobs/uploads/?mount={local.Digest}&from=site/empty", null);

        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
    }

    [Fact]
    public async Task MountFromLocalRepositoryHoldingTheBlob_Answers201()
    {
        var local = TestBlob.Random(4096, seed: 115);
        await _server.Client.PushBlobAsync("site/holder", local);

        using var mount = await _server.Client.PostAsync($"/v2/site/other/blobs/uploads/?mount={local.Digest}&from=site/holder", null);

        Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        using var get = await _server.Client.GetAsync($"/v2/site/other/blobs/{local.Digest}");
        Assert.Equal(local.Bytes, await get.Content.ReadAsByteArrayAsync());
    }
}
