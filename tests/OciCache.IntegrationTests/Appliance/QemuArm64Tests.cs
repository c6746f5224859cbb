namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// The linux-arm64 appliance binary, run under qemu-user with Debian's arm64 multiarch libraries, as the
/// mirror of a real registry for containerd; then its store is verified by the same binary.
/// (appliance/measure.sh linux-arm64 measures it under qemu the same way.)
/// </summary>
public sealed class QemuArm64Tests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("qemu");
    private DistributionRegistry _dockerHub = null!;
    private Containerd _containerd = null!;

    private static string[] Qemu(params string[] arguments) =>
        [Tools.Require("qemu-aarch64-static"), "-L", "/", ApplianceBuild.Executable("linux-arm64"), .. arguments];

    public async Task InitializeAsync()
    {
        _dockerHub = await DistributionRegistry.StartAsync();
        _containerd = await Containerd.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _containerd.DisposeAsync();
        await _dockerHub.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Arm64Binary_UnderQemu_ServesAContainerdPullThroughTheCache_AndVerifiesItsStore()
    {
        var image = TestImage.Create(layers: 2, layerBytes: 512 << 10, seed: 1601);
        await _dockerHub.Client.PushImageAsync("library/arm-app", "1.0", image);
        var data = _temp.Combine("data");
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_EnableWriteXorExecute"] = "0",
            // Emulated on a busy machine, the binary is many times slower than on a board: wide timeouts,
            // so its upstream requests cannot time out (containerd would fall back to the registry itself).
            ["OCICACHE_UPSTREAMPOLICY__CONNECTTIMEOUT"] = "00:00:30",
            ["OCICACHE_UPSTREAMPOLICY__RESPONSETIMEOUT"] = "00:01:00",
            ["OCICACHE_UPSTREAMPOLICY__TOTALTIMEOUT"] = "00:02:00",
        };

        await using (var cache = await OciCacheProcess.StartAsync(data, ["--upstream", $"docker.io={_dockerHub.BaseUri}"],
            environment, TimeSpan.FromMinutes(2), command: Qemu()))
        {
            _containerd.WriteHostsToml("docker.io", _dockerHub.BaseUri.ToString().TrimEnd('/'), ($"http://{cache.Host}", "\"pull\", \"resolve\""));

            await _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", "docker.io/library/arm-app:1.0");

            Assert.Contains(image.Digest.ToString(), await _containerd.CtrCheckedAsync("images", "ls"));
            foreach (var blob in image.Blobs)
            {
                var fetch = Assert.Single(_dockerHub.Log.Split('\n'), l => l.Contains("\"GET ") && l.Contains($"/blobs/{blob.Digest}"));
                Assert.Contains("ocicache/", fetch);
            }
        }

        var verify = await ProcessRunner.RunAsync(Qemu()[0], [.. Qemu("verify", "--data", data).Skip(1)], TimeSpan.FromMinutes(2), environment);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains($"ok: {image.Blobs.Count() + 1} blobs", verify.Stdout);
    }
}
