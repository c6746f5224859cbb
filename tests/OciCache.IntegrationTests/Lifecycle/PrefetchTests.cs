using System.Net;
using OciCache.Lifecycle;
using OciCache.Storage;
using Serilog.Events;

namespace OciCache.IntegrationTests.Lifecycle;

/// <summary>Prefetch warms the cache with listed images and platforms only, on a schedule or from the command line.</summary>
public sealed class PrefetchTests : IAsyncLifetime
{
    private DistributionRegistry _upstream = null!;
    private TestImage _amd = null!;
    private TestImage _arm = null!;

    public async Task InitializeAsync()
    {
        _upstream = await DistributionRegistry.StartAsync();
        _amd = TestImage.Create(layers: 2, layerBytes: 256 * 1024, seed: 1601, architecture: "amd64");
        _arm = TestImage.Create(layers: 2, layerBytes: 256 * 1024, seed: 1602, architecture: "arm64");
        await _upstream.Client.PushImageAsync("library/multi", _amd.Digest.ToString(), _amd);
        await _upstream.Client.PushImageAsync("library/multi", _arm.Digest.ToString(), _arm);
        var index = TestImage.Index(ImageFormat.Oci, _amd, _arm);
        foreach (var tag in new[] { "1.0", "1.1", "2.0" })
        {
            await _upstream.Client.PushManifestAsync("library/multi", tag, index);
        }

        await _upstream.Client.PushImageAsync("library/single", "1.0", _amd);
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task ScheduledPrefetch_FetchesMatchingTagsAndOnlyTheListedPlatform()
    {
        await using var cache = await RegistryServer.StartAsync(s =>
        {
            s.Upstreams["docker.io"] = new() { Url = _upstream.BaseUri.ToString() };
            s.Prefetch.Images = [new PrefetchImage { Image = "docker.io/library/multi", Tags = ["1.*"], Platforms = ["linux/arm64"] }];
        });
        var layout = new DataLayout(cache.DataPath);

        // The pass is over once it logged its summary: both matching tags done, not just their shared blobs.
        var summary = await cache.Log.WaitForAsync(LogEventLevel.Information, "Prefetch: ");
        Assert.StartsWith("Prefetch: 2 images", summary);
        Assert.EndsWith("0 failed", summary);
        Assert.All(_arm.Blobs, b => Assert.True(File.Exists(layout.BlobPath(b.Digest)), "a blob of the listed platform was not fetched"));
        Assert.All(_amd.Layers, b => Assert.False(File.Exists(layout.BlobPath(b.Digest)), "a layer of an unlisted platform was fetched"));
        var tags = await cache.Client.GetStringAsync("/v2/docker.io/library/multi/tags/list");
        await _upstream.StopAsync();
        foreach (var tag in new[] { "1.0", "1.1" })
        {
            using var cached = await cache.Client.GetAsync($"/v2/library/multi/manifests/{tag}?ns=docker.io");
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        }

        using var notListed = await cache.Client.GetAsync("/v2/library/multi/manifests/2.0?ns=docker.io");
        Assert.Equal(HttpStatusCode.NotFound, notListed.StatusCode);
        Assert.Contains("2.0", tags); // the pattern was matched against the upstream's full list
    }

    [Fact]
    public async Task PrefetchCommand_FillsTheDataFolder_SoPullsWorkOffline_AndShowsProgressOnATerminal()
    {
        using var data = new TempDirectory("prefetch-cli");
        var command = $"{OciCacheProcess.Executable} prefetch --data {data.Path} --upstream docker.io={_upstream.BaseUri} " +
                      "--platform linux/amd64 docker.io/library/multi:1.0";

        // script(1) gives the command a terminal, as a person at a console would have.
        var result = await ProcessRunner.RunAsync("script", ["-qec", command, "/dev/null"], TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("ok: docker.io/library/multi:1.0", result.Stdout);
        Assert.Matches(@"fetched, [\d.]+ (B|KiB|MiB|GiB)/s", result.Stdout);
        await _upstream.StopAsync();
        await using var cache = await RegistryServer.StartAsync(s => s.Upstreams["docker.io"] = new() { Url = _upstream.BaseUri.ToString() },
            dataPath: data.Path);
        await OciCache.IntegrationTests.PullThrough.UpstreamAuthTests.AssertPullsAsync(cache.Client, "multi", _amd.Digest.ToString(), _amd, "?ns=docker.io");
    }

    [Theory]
    [InlineData("library/multi:1.0", "linux/riscv64", "linux/amd64, linux/arm64")] // an index without that platform
    [InlineData("library/single:1.0", "linux/arm64", "linux/amd64")] // a single-platform image of another platform
    public async Task PrefetchCommand_PlatformMatchingNothing_FailsNamingTheImageAndWhy(string image, string platform, string available)
    {
        using var data = new TempDirectory("prefetch-cli");

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable,
            ["prefetch", "--data", data.Path, "--upstream", $"docker.io={_upstream.BaseUri}", "--platform", platform, $"docker.io/{image}"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        var failure = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("failed: ", StringComparison.Ordinal));
        Assert.StartsWith($"failed: docker.io/{image}: ", failure);
        Assert.Contains(platform, failure);
        Assert.Contains(available, failure);
        Assert.DoesNotContain("ok: ", result.Stdout);
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("linux/")]
    [InlineData("/amd64")]
    [InlineData("linux/arm64/v8/x")]
    public async Task PrefetchCommand_MalformedPlatform_IsRejectedBeforeAnythingRuns(string platform)
    {
        using var data = new TempDirectory("prefetch-cli");

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable,
            ["prefetch", "--data", data.Path, "--upstream", $"docker.io={_upstream.BaseUri}", "--platform", platform, "docker.io/library/multi:1.0"]);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains($"--platform: '{platform}' is not os/arch[/variant]", result.Stderr);
        Assert.False(Directory.Exists(Path.Combine(data.Path, "blobs")), "the data folder was opened");
    }

    [Fact]
    public async Task ScheduledPrefetch_PlatformMatchingNothing_LogsWhyAtWarning()
    {
        await using var cache = await RegistryServer.StartAsync(s =>
        {
            s.Upstreams["docker.io"] = new() { Url = _upstream.BaseUri.ToString() };
            s.Prefetch.Images = [new PrefetchImage { Image = "docker.io/library/multi", Tags = ["1.0"], Platforms = ["linux/riscv64"] }];
        });

        var warning = await cache.Log.WaitForAsync(LogEventLevel.Warning, "docker.io/library/multi:1.0", TimeSpan.FromSeconds(30));

        Assert.Contains("linux/riscv64", warning);
        Assert.Contains("linux/amd64, linux/arm64", warning);
    }

    [Fact]
    public async Task PrefetchCommand_WithAnUnknownRegistry_FailsNamingIt()
    {
        using var data = new TempDirectory("prefetch-cli");

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable,
            ["prefetch", "--data", data.Path, "--upstream", $"docker.io={_upstream.BaseUri}", "quay.io/org/thing:1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("quay.io", result.Stderr);
    }
}
