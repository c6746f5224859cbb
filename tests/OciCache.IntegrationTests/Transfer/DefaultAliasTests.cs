using System.Net;

namespace OciCache.IntegrationTests.Transfer;

/// <summary>
/// k3s hands containerd an endpoint <c>http://CACHE:5000/v2/docker-hub</c> with the path kept as it is:
/// with no upstream configured (the defaults), <c>docker-hub</c> must route to the <c>docker.io</c> mirror,
/// not to a local repository of that name. The built executable serves an imported image offline, so the
/// default upstream on the internet is never contacted.
/// </summary>
public sealed class DefaultAliasTests(TransferFixture fixture) : IClassFixture<TransferFixture>
{
    [Fact]
    public async Task DefaultUpstreams_DockerHubPrefix_ServesTheDockerIoMirror()
    {
        using var work = new TempDirectory("default-alias");
        var bundle = work.Combine("bundle");
        var data = work.Combine("data");
        await TransferFixture.OciCacheCheckedAsync("export", TransferFixture.MirrorImage, "--to", bundle, "--data", fixture.Source.DataPath);
        await TransferFixture.OciCacheCheckedAsync("import", bundle, "--data", data);

        await using var cache = await OciCacheProcess.StartAsync(data, environment: new Dictionary<string, string> { ["OCICACHE_CACHE__OFFLINE"] = "true" });
        using var client = new HttpClient { BaseAddress = cache.BaseUri };

        await TransferFixture.AssertServedAsync(client, "/v2/docker-hub/library/multi/manifests/1.27", fixture.Index.Bytes);
        using var response = await client.GetAsync($"/v2/docker-hub/library/multi/blobs/{fixture.Host.Layers[0].Digest}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(fixture.Host.Layers[0].Bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("docker.io", Assert.Single(response.Headers.GetValues("OCI-Namespace")));
    }
}
