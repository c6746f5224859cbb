using Microsoft.Extensions.DependencyInjection;
using OciCache.Lifecycle;

namespace OciCache.IntegrationTests.Transfer;

/// <summary>
/// Names of an HQ registry's images in a bundle: written as nodes pull them (the registry's host name, not
/// the configuration's name for the upstream), read back by skopeo by that name, and never turned into a
/// site's local repository without being asked to.
/// </summary>
public sealed class ExportNamingTests : IAsyncLifetime
{
    private const string HqImage = "registry.hq.example/warehouse/app:1.4.2";

    private readonly TempDirectory _work = new("transfer-naming");
    private DistributionRegistry _hq = null!;
    private RegistryServer _source = null!;
    private TestImage _image = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _hq = await DistributionRegistry.StartAsync();
        _image = TestImage.Create(layers: 1, layerBytes: 64 * 1024, seed: 1451);
        await _hq.Client.PushImageAsync("warehouse/app", "1.4.2", _image);
        _source = await PullThrough.CacheServer.StartAsync([], s =>
            s.Upstreams["hq"] = new() { Url = _hq.BaseUri.ToString(), Aliases = ["registry.hq.example"] });
        var prefetch = await _source.Services.GetRequiredService<Prefetcher>().RunAsync(
            [new PrefetchImage { Image = "registry.hq.example/warehouse/app", Tags = ["1.4.2"] }], CancellationToken.None);
        Assert.Empty(prefetch.Failed);
        _config = _work.Combine("hq.json");
        File.WriteAllText(_config, Config(aliases: ["registry.hq.example"]));
    }

    [Fact]
    public async Task Export_UpstreamNameUnknownWithoutConfig_SaysToGiveTheConfig()
    {
        var result = await TransferFixture.OciCacheAsync("export", HqImage, "--to", _work.Combine("no-config.tar"), "--data", _source.DataPath);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("registry.hq.example", result.Stderr);
        Assert.Contains("--config", result.Stderr);
    }

    [Theory]
    [InlineData(HqImage)]
    [InlineData("hq/warehouse/app:1.4.2")] // the upstream's name in the configuration: nodes pull it by its host
    public async Task Export_HqImage_IsNamedByItsRegistry_AndSkopeoInspectsItByThatName(string given)
    {
        var dir = _work.Combine("bundle");

        await TransferFixture.OciCacheCheckedAsync("export", given, "--to", dir, "--config", _config);

        var inspected = await Skopeo.CheckedAsync("inspect", $"oci:{dir}:{HqImage}");
        Assert.Contains(_image.Layers[0].Digest.ToString(), inspected);
        var index = await File.ReadAllTextAsync(Path.Combine(dir, "index.json"));
        Assert.Contains($"\"org.opencontainers.image.ref.name\": \"{HqImage}\"", index);
    }

    [Fact]
    public async Task Import_MirrorContentOfAnUpstreamTheSiteLacks_IsRefused_UnlessAsLocal()
    {
        // An upstream known only by a name that is no host: nodes at HQ pull it as /v2/hq/…
        var config = _work.Combine("plain.json");
        File.WriteAllText(config, Config(aliases: []));
        var tar = _work.Combine("hq.tar");
        await TransferFixture.OciCacheCheckedAsync("export", "hq/warehouse/app:1.4.2", "--to", tar, "--config", config);
        using var site = new TempDirectory("transfer-site");

        var refused = await TransferFixture.OciCacheAsync("import", tar, "--data", site.Path);

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("hq/warehouse/app:1.4.2", refused.Stderr);
        Assert.Contains("--as-local", refused.Stderr);
        Assert.Equal((0, 0, 0), TransferFixture.Rows(site.Path));

        await TransferFixture.OciCacheCheckedAsync("import", tar, "--as-local", "--data", site.Path);
        await using var server = await RegistryServer.StartAsync(dataPath: site.Path);
        await TransferFixture.AssertServedAsync(server.Client, "/v2/hq/warehouse/app/manifests/1.4.2", _image.Manifest.Bytes);
    }

    /// <summary>The HQ cache's settings: its data folder and the upstream <c>hq</c>.</summary>
    private string Config(string[] aliases) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["Data"] = _source.DataPath,
        ["Upstreams"] = new Dictionary<string, object> { ["hq"] = new Dictionary<string, object> { ["Url"] = _hq.BaseUri.ToString(), ["Aliases"] = aliases } },
    });

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _hq.DisposeAsync();
        _work.Dispose();
    }
}
