using OciCache.Oci;

namespace OciCache.IntegrationTests;

/// <summary>skopeo, a real client, copies generated images into the registry and back, byte for byte.</summary>
public sealed class SkopeoTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("skopeo");
    private RegistryServer _server = null!;

    public async Task InitializeAsync() => _server = await RegistryServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task OciMultiLayerImage_RoundTripsByteIdentical()
    {
        var image = TestImage.Create(ImageFormat.Oci, layers: 4, layerBytes: 256 * 1024, seed: 101);
        var source = _temp.Combine("source");
        TestImage.WriteOciLayout(source, "v1", image.Manifest, image.Blobs);

        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--preserve-digests", $"oci:{source}:v1", $"docker://{_server.Host}/skopeo/oci:v1");
        var back = _temp.Combine("back");
        await Skopeo.CheckedAsync("copy", "--src-tls-verify=false", "--preserve-digests", $"docker://{_server.Host}/skopeo/oci:v1", $"oci:{back}:v1");

        AssertSameBlobs(image.Blobs.Append(image.Manifest), back);
        var inspect = await Skopeo.CheckedAsync("inspect", "--tls-verify=false", "--raw", $"docker://{_server.Host}/skopeo/oci:v1");
        Assert.Equal(image.Manifest.Bytes, System.Text.Encoding.UTF8.GetBytes(inspect.TrimEnd('\n')));
    }

    [Fact]
    public async Task DockerSchema2ManifestList_RoundTripsByteIdentical()
    {
        var amd = TestImage.Create(ImageFormat.Docker, layers: 2, layerBytes: 128 * 1024, seed: 102, architecture: "amd64");
        var arm = TestImage.Create(ImageFormat.Docker, layers: 3, layerBytes: 128 * 1024, seed: 103, architecture: "arm64");
        var list = TestImage.Index(ImageFormat.Docker, amd, arm);
        var blobs = amd.Blobs.Concat(arm.Blobs).ToList();
        var source = _temp.Combine("source");
        TestImage.WriteDirLayout(source, list, [amd.Manifest, arm.Manifest], blobs);

        await Skopeo.CheckedAsync("copy", "--all", "--dest-tls-verify=false", "--preserve-digests", $"dir:{source}", $"docker://{_server.Host}/skopeo/docker:multi");
        var back = _temp.Combine("back");
        await Skopeo.CheckedAsync("copy", "--all", "--src-tls-verify=false", "--preserve-digests", $"docker://{_server.Host}/skopeo/docker:multi", $"dir:{back}");

        foreach (var blob in blobs)
        {
            Assert.Equal(blob.Bytes, File.ReadAllBytes(Path.Combine(back, blob.Hex)));
        }

        Assert.Equal(list.Bytes, File.ReadAllBytes(Path.Combine(back, "manifest.json")));
        foreach (var instance in new[] { amd.Manifest, arm.Manifest })
        {
            Assert.Equal(instance.Bytes, File.ReadAllBytes(Path.Combine(back, instance.Hex + ".manifest.json")));
        }

        using var response = await _server.Client.GetAsync("/v2/skopeo/docker/manifests/multi");
        Assert.Equal(MediaTypes.DockerManifestList, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(list.Bytes, await response.Content.ReadAsByteArrayAsync());
    }

    private static void AssertSameBlobs(IEnumerable<TestBlob> expected, string layout)
    {
        foreach (var blob in expected)
        {
            var path = Path.Combine(layout, "blobs", "sha256", blob.Hex);
            Assert.True(File.Exists(path), $"{blob.Digest} ({blob.MediaType}) did not come back");
            Assert.Equal(blob.Bytes, File.ReadAllBytes(path));
        }
    }
}
