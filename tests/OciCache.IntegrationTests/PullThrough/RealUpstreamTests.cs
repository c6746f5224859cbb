using System.Net;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// The cache in front of real registries (the distribution registry playing docker.io and ghcr.io) with
/// containerd configured exactly as a node would be: hosts.toml with OciCache as mirror and the real
/// registry as server. Then the WAN goes away.
/// </summary>
public sealed class RealUpstreamTests : IAsyncLifetime
{
    private DistributionRegistry _dockerHub = null!;
    private DistributionRegistry _ghcr = null!;
    private RegistryServer _cache = null!;
    private Containerd _containerd = null!;

    public async Task InitializeAsync()
    {
        _dockerHub = await DistributionRegistry.StartAsync();
        _ghcr = await DistributionRegistry.StartAsync();
        _cache = await CacheServer.StartAsync([("docker.io", _dockerHub.BaseUri.ToString()), ("ghcr.io", _ghcr.BaseUri.ToString())]);
        _containerd = await Containerd.StartAsync();
        var mirror = $"http://{_cache.Host}";
        _containerd.WriteHostsToml("docker.io", _dockerHub.BaseUri.ToString().TrimEnd('/'), (mirror, "\"pull\", \"resolve\""));
        _containerd.WriteHostsToml("ghcr.io", _ghcr.BaseUri.ToString().TrimEnd('/'), (mirror, "\"pull\", \"resolve\""));
    }

    public async Task DisposeAsync()
    {
        await _containerd.DisposeAsync();
        await _cache.DisposeAsync();
        await _ghcr.DisposeAsync();
        await _dockerHub.DisposeAsync();
    }

    [Fact]
    public async Task Containerd_PullsFromBothUpstreamsThroughTheCache_ThenAgainWithTheUpstreamsDown()
    {
        var app = TestImage.Create(layers: 3, layerBytes: 1 << 20, seed: 801);
        var tool = TestImage.Create(layers: 2, layerBytes: 512 << 10, seed: 802);
        await _dockerHub.Client.PushImageAsync("library/app", "1.0", app);
        await _ghcr.Client.PushImageAsync("owner/tool", "v2", tool);

        await PullAsync("docker.io/library/app:1.0", app);
        await PullAsync("ghcr.io/owner/tool:v2", tool);
        Assert.True(_dockerHub.CountRequests("GET", "/v2/library/app/manifests/1.0") >= 1, _dockerHub.Log);
        foreach (var blob in app.Blobs)
        {
            // Fetched once, and by the cache (containerd did not fall back to the server directly).
            var fetches = _dockerHub.Log.Split('\n').Where(l => l.Contains($"\"GET ") && l.Contains($"/blobs/{blob.Digest}")).ToList();
            Assert.Single(fetches);
            Assert.Contains("ocicache/", fetches[0]);
        }

        await _dockerHub.StopAsync();
        await _ghcr.StopAsync();
        await _containerd.ForgetAllAsync();

        await PullAsync("docker.io/library/app:1.0", app);
        await PullAsync("ghcr.io/owner/tool:v2", tool);
    }

    [Fact]
    public async Task Skopeo_CopiesThroughThePathPrefix_ByteIdentical()
    {
        var image = TestImage.Create(layers: 2, seed: 803);
        await _dockerHub.Client.PushImageAsync("library/web", "2.0", image);
        using var temp = new TempDirectory("skopeo-prefix");

        var result = await ProcessRunner.RunAsync("skopeo", ["--insecure-policy", "copy", "--src-tls-verify=false", "--preserve-digests",
            $"docker://{_cache.Host}/docker.io/web:2.0", $"oci:{temp.Path}:2.0"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var blob in image.Blobs.Append(image.Manifest))
        {
            Assert.Equal(blob.Bytes, File.ReadAllBytes(Path.Combine(temp.Path, "blobs", "sha256", blob.Hex)));
        }

        using var response = await _cache.Client.GetAsync($"/v2/library/web/manifests/2.0?ns=docker.io");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("docker.io", response.Header("OCI-Namespace"));
    }

    [Fact]
    public async Task TagsList_PassesThroughToTheUpstream_AndFallsBackToTheCacheWhenItIsDown()
    {
        var image = TestImage.Create(layers: 1, seed: 804);
        await _dockerHub.Client.PushImageAsync("library/lister", "a", image);
        await _dockerHub.Client.PushImageAsync("library/lister", "b", image);
        using (var pulled = await _cache.Client.GetAsync("/v2/library/lister/manifests/a?ns=docker.io"))
        {
            Assert.Equal(HttpStatusCode.OK, pulled.StatusCode);
        }

        var live = await _cache.Client.GetStringAsync("/v2/library/lister/tags/list?ns=docker.io");
        Assert.Contains("\"b\"", live); // the upstream's listing, not just what is cached

        await _dockerHub.StopAsync();
        using var offline = await _cache.Client.GetAsync("/v2/library/lister/tags/list?ns=docker.io");
        Assert.Equal(HttpStatusCode.OK, offline.StatusCode);
        var cached = await offline.Content.ReadAsStringAsync();
        Assert.Contains("\"a\"", cached);
        Assert.DoesNotContain("\"b\"", cached);
        Assert.NotNull(offline.Header("Warning"));
    }

    private async Task PullAsync(string reference, TestImage image)
    {
        await _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", reference);
        var listed = await _containerd.CtrCheckedAsync("images", "ls");
        Assert.Contains(reference, listed);
        Assert.Contains(image.Digest.ToString(), listed);
    }
}
