using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Auth;
using OciCache.IntegrationTests.PullThrough;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// A blob pushed to a private local repository must not come out of a mirror path (<c>/v2/hub/…/blobs/…</c>
/// or <c>?ns=hub</c>), however the upstream answers: down, offline, 401, 403, 429, 5xx, or a hostile 200 to
/// every HEAD. A mirror repository serves a stored blob only when it recorded it (a fill, or one of its
/// manifests). The upstream is a scripted Kestrel server switched between answers by the test.
/// </summary>
public sealed class MirrorBlobIsolationTests : IAsyncLifetime
{
    private const string AlicePassword = "alice-Iso-4410";
    private readonly AuthSetup _auth = new(("alice", AlicePassword));
    private readonly TestBlob _secret = TestBlob.Random(48 * 1024, seed: 1801);
    private ScriptedUpstream _upstream = null!;
    private volatile string _mode = "404";

    public async Task InitializeAsync() => _upstream = await ScriptedUpstream.StartAsync(RespondAsync);

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _auth.Dispose();
    }

    [Theory]
    [InlineData("unreachable")]
    [InlineData("offline")]
    [InlineData("401")]
    [InlineData("403")]
    [InlineData("429")]
    [InlineData("500")]
    [InlineData("503")]
    [InlineData("hostile-head")]
    public async Task MirrorPath_BlobOnlyAPrivateLocalRepositoryHolds_NeverServed_NorLinkedAfterTheUpstreamIsBack(string answer)
    {
        await using var cache = await StartCacheAsync("hub", _upstream.Url);
        using (var alice = AuthSetup.BasicClient(cache, "alice", AlicePassword))
        {
            await alice.PushBlobAsync("secret/app", _secret);
        }

        using (var denied = await cache.Client.GetAsync($"/v2/secret/app/blobs/{_secret.Digest}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode); // the policy itself holds
        }

        SetAnswer(cache, answer);
        await AssertNotLeakedAsync(cache, $"/v2/hub/library/any/blobs/{_secret.Digest}", answer);
        await AssertNotLeakedAsync(cache, $"/v2/library/other/blobs/{_secret.Digest}?ns=hub", answer);

        SetAnswer(cache, "404"); // the upstream is back, and has no such blob
        await AssertNotLeakedAsync(cache, $"/v2/hub/library/any/blobs/{_secret.Digest}", "back");
        var index = cache.Services.GetRequiredService<IBlobIndex>();
        Assert.Null(await index.GetLinkedBlobSizeAsync(Repository.Mirror("hub", "library/any"), _secret.Digest));
        Assert.Null(await index.GetLinkedBlobSizeAsync(Repository.Mirror("hub", "library/other"), _secret.Digest));
    }

    [Fact]
    public async Task MirrorPath_HostileUpstreamManifestReferencingAPrivateBlob_DoesNotMakeItServable()
    {
        await using var cache = await StartCacheAsync("hub", _upstream.Url);
        using (var alice = AuthSetup.BasicClient(cache, "alice", AlicePassword))
        {
            await alice.PushBlobAsync("secret/app", _secret);
        }

        _mode = "hostile-manifest";
        using (var manifest = await cache.Client.GetAsync("/v2/hub/library/evil/manifests/v1"))
        {
            Assert.True(manifest.StatusCode == HttpStatusCode.OK, await RegistryHttp.Describe(manifest)); // cached as any upstream manifest
        }

        await AssertNotLeakedAsync(cache, $"/v2/hub/library/evil/blobs/{_secret.Digest}", "hostile-manifest");
        Assert.Null(await cache.Services.GetRequiredService<IBlobIndex>().GetLinkedBlobSizeAsync(Repository.Mirror("hub", "library/evil"), _secret.Digest));
    }

    [Fact]
    public async Task ChainedCaches_ParentsPrivateBlob_NotServedThroughTheChildsMirrorPath_WhileTheParentsUpstreamFails()
    {
        _mode = "503";
        await using var parent = await StartCacheAsync("docker.io", _upstream.Url);
        await using var child = await CacheServer.StartAsync("docker.io", $"http://{parent.Host}/v2/docker.io", NeverBreak);
        using (var alice = AuthSetup.BasicClient(parent, "alice", AlicePassword))
        {
            await alice.PushBlobAsync("secret/app", _secret);
        }

        await AssertNotLeakedAsync(child, $"/v2/docker.io/library/any/blobs/{_secret.Digest}", "chain");
        await AssertNotLeakedAsync(parent, $"/v2/docker.io/library/any/blobs/{_secret.Digest}", "parent");
        Assert.True(await child.Services.GetRequiredService<IBlobStore>().GetLengthAsync(_secret.Digest) is null, "the child stored the parent's private blob");
    }

    /// <summary>
    /// Two images of one upstream share a layer: filled for one repository, it serves the other once that
    /// one's pulled manifest references it (no second transfer), also while offline.
    /// </summary>
    [Fact]
    public async Task MirrorPath_SharedLayerAPulledManifestOfThatRepositoryReferences_ServedWhileOffline()
    {
        await using var registry = await DistributionRegistry.StartAsync();
        var image = TestImage.Create(layers: 1, seed: 1802);
        await registry.Client.PushImageAsync("library/app", "v1", image);
        await registry.Client.PushImageAsync("library/other", "v1", image);
        await using var cache = await StartCacheAsync("hub", registry.BaseUri.ToString());
        var layer = image.Layers[0];
        using (var filled = await cache.Client.GetAsync($"/v2/hub/library/app/blobs/{layer.Digest}"))
        {
            Assert.Equal(layer.Bytes, await filled.Content.ReadAsByteArrayAsync());
        }

        await cache.WhenStoredAsync(layer.Digest);
        using (var manifest = await cache.Client.GetAsync("/v2/hub/library/other/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        }

        cache.Services.GetRequiredService<OfflineSwitch>().Set(true);
        using var head = await cache.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/hub/library/other/blobs/{layer.Digest}"));
        using var get = await cache.Client.GetAsync($"/v2/hub/library/other/blobs/{layer.Digest}");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(layer.Size, head.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(layer.Bytes, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task MirrorPath_StoredBlobTheUpstreamServes_FilledByAGetAndServed()
    {
        await using var registry = await DistributionRegistry.StartAsync();
        var image = TestImage.Create(layers: 1, seed: 1803);
        await registry.Client.PushImageAsync("library/app", "v1", image);
        await using var cache = await StartCacheAsync("hub", registry.BaseUri.ToString());
        var layer = image.Layers[0];
        using (var alice = AuthSetup.BasicClient(cache, "alice", AlicePassword))
        {
            await alice.PushBlobAsync("secret/app", layer);
        }

        using var get = await cache.Client.GetAsync($"/v2/hub/library/app/blobs/{layer.Digest}");

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(layer.Bytes, await get.Content.ReadAsByteArrayAsync());
        await cache.WhenStoredAsync(layer.Digest);
        Assert.Equal(layer.Size, await cache.Services.GetRequiredService<IBlobIndex>().GetLinkedBlobSizeAsync(Repository.Mirror("hub", "library/app"), layer.Digest));
    }

    private async Task AssertNotLeakedAsync(RegistryServer cache, string path, string answer)
    {
        using (var head = await cache.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path)))
        {
            Assert.False(head.StatusCode == HttpStatusCode.OK && head.Content.Headers.ContentLength == _secret.Size,
                $"{answer}: HEAD {path} answered from the private blob: {(int)head.StatusCode}, {head.Content.Headers.ContentLength} bytes");
        }

        using var get = await cache.Client.GetAsync(path);
        var body = await get.Content.ReadAsByteArrayAsync();
        Assert.False(get.StatusCode == HttpStatusCode.OK || body.AsSpan().SequenceEqual(_secret.Bytes),
            $"{answer}: GET {path} served the private blob: {(int)get.StatusCode}, {body.Length} bytes");
    }

    private Task<RegistryServer> StartCacheAsync(string upstream, string url) =>
        CacheServer.StartAsync(upstream, url, settings =>
        {
            NeverBreak(settings);
            _auth.Configure(a =>
            {
                a.Anonymous = new() { [$"{upstream}/**"] = ["pull"] };
                a.Policies = [new PolicyRule { Repositories = ["secret/**"], Users = ["alice"], Actions = ["pull", "push"] }];
            })(settings);
        });

    /// <summary>The breaker stays shut, so every request reaches the upstream and gets the answer the test set.</summary>
    private static void NeverBreak(OciCache.Hosting.OciCacheSettings settings) =>
        settings.UpstreamPolicy = settings.UpstreamPolicy with { BreakAfterFailures = 1000, Retries = 0 };

    private void SetAnswer(RegistryServer cache, string answer)
    {
        cache.Services.GetRequiredService<OfflineSwitch>().Set(answer == "offline");
        _mode = answer == "offline" ? "404" : answer;
    }

    private Task RespondAsync(HttpContext context)
    {
        var mode = _mode;
        if (context.Request.Path == "/v2/" || context.Request.Path == "/v2")
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }

        if (mode == "hostile-manifest" && context.Request.Path.Value!.Contains("/manifests/", StringComparison.Ordinal))
        {
            // Any manifest asked for "references" the private blob; every blob request fails.
            var manifest = System.Text.Encoding.UTF8.GetBytes($$"""
                {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{"mediaType":"{{MediaTypes.OciEmpty}}","digest":"{{RegistryHttp.DigestOf("{}"u8.ToArray())}}","size":2},"layers":[{{_secret.DescriptorJson()}}]}
                """);
            context.Response.ContentType = MediaTypes.OciManifest;
            context.Response.ContentLength = manifest.Length;
            context.Response.Headers["Docker-Content-Digest"] = RegistryHttp.DigestOf(manifest).ToString();
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(manifest).AsTask();
        }

        switch (mode)
        {
            case "hostile-manifest":
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            case "unreachable":
                context.Abort();
                return Task.CompletedTask;
            case "hostile-head" when HttpMethods.IsHead(context.Request.Method):
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentLength = 1; // "yes, I have it", for any digest
                return Task.CompletedTask;
            case "hostile-head" or "404":
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            default:
                context.Response.StatusCode = int.Parse(mode, System.Globalization.CultureInfo.InvariantCulture);
                return Task.CompletedTask;
        }
    }
}
