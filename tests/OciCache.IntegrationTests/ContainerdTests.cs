using System.Net;

namespace OciCache.IntegrationTests;

/// <summary>containerd's ctr, with a hosts directory, pulls from and pushes to the registry.</summary>
public sealed class ContainerdTests : IAsyncLifetime
{
    private RegistryServer _server = null!;
    private Containerd _containerd = null!;

    public async Task InitializeAsync()
    {
        _server = await RegistryServer.StartAsync();
        _containerd = await Containerd.StartAsync();
        var url = $"http://{_server.Host}";
        _containerd.WriteHostsToml(_server.Host, url, (url, "\"pull\", \"resolve\", \"push\""));
    }

    public async Task DisposeAsync()
    {
        await _containerd.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Ctr_PullsImage_PushesItUnderAnotherName_AndPullsThatBack()
    {
        var image = TestImage.Create(layers: 3, layerBytes: 512 * 1024, seed: 201);
        await _server.Client.PushImageAsync("ctr/source", "v1", image);
        var source = $"{_server.Host}/ctr/source:v1";
        var target = $"{_server.Host}/ctr/pushed:v2";

        await _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", source);
        await _containerd.CtrCheckedAsync("images", "tag", source, target);
        await _containerd.CtrCheckedAsync("images", "push", "--hosts-dir", _containerd.HostsDir, target);

        using var manifest = await _server.Client.GetAsync("/v2/ctr/pushed/manifests/v2");
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        Assert.Equal(image.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
        foreach (var blob in image.Blobs)
        {
            using var response = await _server.Client.GetAsync($"/v2/ctr/pushed/blobs/{blob.Digest}");
            Assert.Equal(blob.Bytes, await response.Content.ReadAsByteArrayAsync());
        }

        await _containerd.ForgetAllAsync();
        await _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", target);
        var listed = await _containerd.CtrCheckedAsync("images", "ls");
        Assert.Contains(target, listed);
        Assert.Contains(image.Digest.ToString(), listed);
    }
}
