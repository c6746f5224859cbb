using OciCache.Storage;

namespace OciCache.IntegrationTests.Sync;

/// <summary>
/// <c>ocicache sync</c> cut off by the upstream dying in the middle of a blob: it fails naming the image,
/// stores nothing half-written, and the next run completes, after which <c>ocicache verify</c> is clean.
/// </summary>
public sealed class SyncResumeTests : IAsyncLifetime
{
    private DistributionRegistry _hq = null!;
    private TestImage _image = null!;

    public async Task InitializeAsync()
    {
        _hq = await DistributionRegistry.StartAsync();
        // One layer far bigger than what the relay and the sockets between can hold, so the upstream is
        // killed while it is still sending it.
        _image = TestImage.Compose([TestImage.Layer(1801, 32 << 20), TestImage.Layer(1802, 64 << 10)]);
        await _hq.Client.PushImageAsync("warehouse/big", "1.0", _image);
    }

    public async Task DisposeAsync() => await _hq.DisposeAsync();

    [Fact]
    public async Task SyncCommand_UpstreamKilledMidBlob_FailsThenTheNextRunCompletes_AndVerifyPasses()
    {
        using var data = new TempDirectory("sync-resume");
        using var relay = TcpRelay.To(_hq.BaseUri);
        var config = Path.Combine(data.Path, "config.json");
        await File.WriteAllTextAsync(config, $$$"""
            {"Data":"{{{data.Combine("data")}}}",
             "Upstreams":{"hq":{"Url":"{{{relay.Url}}}"}},
             "Sync":{"Jobs":[{"Name":"big","Upstream":"hq","Repositories":["warehouse/big"],"Tags":{"Semver":">=1"}}]}}
            """);
        var big = _image.Layers[0];

        var held = relay.HoldAfter(4 << 20);
        var first = ProcessRunner.RunAsync(OciCacheProcess.Executable, ["sync", "--config", config], TimeSpan.FromMinutes(3));
        await held.WaitAsync(Eventually.DefaultTimeout);
        await _hq.StopAsync(); // the upstream dies mid-blob
        relay.Release();
        var cut = await first;

        Assert.True(cut.ExitCode == 1, cut.ToString());
        Assert.Contains("failed: big: hq/warehouse/big:1.0: ", cut.Stderr);
        var layout = new DataLayout(data.Combine("data"));
        Assert.False(File.Exists(layout.BlobPath(big.Digest)), "a blob cut off mid-fetch was published");

        await _hq.StartAsync();
        // On a terminal (script(1) gives it one), as a person at a console would run it: a progress line.
        var resumed = await ProcessRunner.RunAsync("script", ["-qec", $"{OciCacheProcess.Executable} sync --config {config} big", "/dev/null"], TimeSpan.FromMinutes(3));

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("big: 1 images", resumed.Stdout);
        Assert.Matches(@"big: 1 images, +[\d.]+ MiB fetched, [\d.]+ (B|KiB|MiB|GiB)/s", resumed.Stdout);
        Assert.All(_image.Blobs, b => Assert.True(File.Exists(layout.BlobPath(b.Digest)), $"{b.Digest} missing after the resumed run"));
        var verify = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["verify", "--data", data.Combine("data")]);
        Assert.True(verify.ExitCode == 0, verify.ToString());

        // Already stored: a third run fetches nothing.
        var again = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["sync", "--config", config], TimeSpan.FromMinutes(3));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("big: 1 images, 0 blobs fetched", again.Stdout);
    }

    [Fact]
    public async Task SyncCommand_UnknownJob_FailsNamingTheConfiguredOnes()
    {
        using var data = new TempDirectory("sync-unknown");
        var config = Path.Combine(data.Path, "config.json");
        await File.WriteAllTextAsync(config, $$$"""
            {"Data":"{{{data.Combine("data")}}}","Upstreams":{"hq":{"Url":"{{{_hq.BaseUri}}}"}},
             "Sync":{"Jobs":[{"Name":"big","Upstream":"hq","Repositories":["warehouse/big"]}]}}
            """);

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["sync", "--config", config, "small"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no job named 'small' (Sync:Jobs has big)", result.Stderr);
    }
}
