using Microsoft.Extensions.DependencyInjection;
using System.Net;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// Two OciCaches in a chain, child → parent → a distribution registry, with containerd at the end. The
/// child's upstream is the parent's mirror of docker.io, addressed as <c>http://parent/v2/docker.io</c>.
/// containerd's server is a dead address: every pull that succeeds went through the chain.
/// </summary>
public sealed class ChainTests : IAsyncLifetime
{
    private DistributionRegistry _hq = null!;
    private RegistryServer _parent = null!;
    private RegistryServer _child = null!;
    private Containerd _containerd = null!;
    private TestImage _host = null!;
    private TestImage _other = null!;
    private TestBlob _index = null!;

    public async Task InitializeAsync()
    {
        _hq = await DistributionRegistry.StartAsync();
        _host = TestImage.Create(layers: 2, layerBytes: 512 << 10, seed: 1901);
        _other = TestImage.Create(layers: 1, layerBytes: 64 << 10, seed: 1902, architecture: TestImage.HostArchitecture == "arm64" ? "amd64" : "arm64");
        await _hq.Client.PushImageAsync("library/app", _host.Digest.ToString(), _host);
        await _hq.Client.PushImageAsync("library/app", _other.Digest.ToString(), _other);
        _index = TestImage.Index(ImageFormat.Oci, _host, _other);
        await _hq.Client.PushManifestAsync("library/app", "1.0", _index);
        _parent = await CacheServer.StartAsync("docker.io", _hq.BaseUri.ToString());
        _child = await CacheServer.StartAsync("docker.io", $"http://{_parent.Host}/v2/docker.io");
        _containerd = await Containerd.StartAsync();
        PointContainerdAt(_child);
    }

    public async Task DisposeAsync()
    {
        await _containerd.DisposeAsync();
        await _child.DisposeAsync();
        await _parent.DisposeAsync();
        await _hq.DisposeAsync();
    }

    [Fact]
    public async Task Chain_ColdWarmAndWithTheParentsWanCut_ServesContainerd()
    {
        // HEAD of a blob neither cache holds: the parent answers with its upstream's size and digest.
        var layer = _host.Layers[0];
        using (var head = await _child.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/library/app/blobs/{layer.Digest}?ns=docker.io")))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(layer.Size, head.Content.Headers.ContentLength);
            Assert.Equal(layer.Digest.ToString(), head.Header("Docker-Content-Digest"));
        }

        // Cold.
        await PullAsync();
        var tags = await _child.Client.GetStringAsync("/v2/library/app/tags/list?ns=docker.io");
        Assert.Contains("\"1.0\"", tags);

        // A child manifest of the index by digest, one containerd did not pull.
        using (var child = await _child.Client.GetAsync($"/v2/library/app/manifests/{_other.Digest}?ns=docker.io"))
        {
            Assert.Equal(HttpStatusCode.OK, child.StatusCode);
            Assert.Equal(_other.Manifest.Bytes, await child.Content.ReadAsByteArrayAsync());
        }

        // Warm: each blob crossed the parent's WAN once.
        await _containerd.ForgetAllAsync();
        await PullAsync();
        foreach (var blob in _host.Blobs)
        {
            Assert.Equal(1, _hq.CountRequests("GET", $"/blobs/{blob.Digest}"));
        }

        // The parent's WAN cut: the warm child serves, and so does a cold child through the warm parent.
        await _hq.StopAsync();
        await _containerd.ForgetAllAsync();
        await PullAsync();
        await using var fresh = await CacheServer.StartAsync("docker.io", $"http://{_parent.Host}/v2/docker.io");
        PointContainerdAt(fresh);
        await _containerd.ForgetAllAsync();
        await PullAsync();
        foreach (var b in _host.Blobs)
        {
            Assert.NotNull(await fresh.Services.GetRequiredService<OciCache.Storage.IBlobStore>().GetLengthAsync(b.Digest));
        }
    }

    private void PointContainerdAt(RegistryServer cache) =>
        _containerd.WriteHostsToml("docker.io", $"http://127.0.0.1:{OciCacheProcess.FreePort()}", ($"http://{cache.Host}", "\"pull\", \"resolve\""));

    private async Task PullAsync()
    {
        await _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", "docker.io/library/app:1.0");
        Assert.Contains(_index.Digest.ToString(), await _containerd.CtrCheckedAsync("images", "ls"));
    }
}
