using System.Net;
using OciCache.IntegrationTests.PullThrough;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Sync;
using Serilog.Events;

namespace OciCache.IntegrationTests.Sync;

/// <summary>
/// A sync job against a real distribution registry ("HQ") holding <c>warehouse/a</c>, <c>warehouse/b</c>
/// and <c>other/c</c>: only the matching repositories, tags and platform are stored, a signature and a
/// referrer come along, and containerd pulls every synced image with HQ stopped.
/// </summary>
public sealed class SyncTests : IAsyncLifetime
{
    private const string SigType = "application/vnd.dev.cosign.simplesigning.v1+json";

    private DistributionRegistry _hq = null!;
    private readonly Dictionary<string, TestImage> _amd = [];
    private readonly Dictionary<string, TestImage> _arm = [];
    private readonly Dictionary<string, TestBlob> _index = [];
    private TestImage _single = null!;
    private TestBlob _signature = null!;
    private TestBlob _referrer = null!;
    private TestBlob _sigLayer = null!;
    private TestBlob _referrerLayer = null!;

    public async Task InitializeAsync()
    {
        _hq = await DistributionRegistry.StartAsync();
        var seed = 1700;
        foreach (var repository in new[] { "warehouse/a", "other/c" })
        {
            foreach (var tag in new[] { "1.3", "1.4.0", "1.4.1", "latest" })
            {
                var key = $"{repository}:{tag}";
                _amd[key] = TestImage.Create(layers: 1, layerBytes: 64 * 1024, seed: ++seed, architecture: "amd64");
                _arm[key] = TestImage.Create(layers: 2, layerBytes: 64 * 1024, seed: ++seed, architecture: "arm64");
                await _hq.Client.PushImageAsync(repository, _amd[key].Digest.ToString(), _amd[key]);
                await _hq.Client.PushImageAsync(repository, _arm[key].Digest.ToString(), _arm[key]);
                _index[key] = TestImage.Index(ImageFormat.Oci, _amd[key], _arm[key]);
                await _hq.Client.PushManifestAsync(repository, tag, _index[key]);
            }
        }

        // A single-platform image of the listed platform, and one matching tag of another.
        _single = TestImage.Create(layers: 1, layerBytes: 64 * 1024, seed: 1790, architecture: "arm64");
        await _hq.Client.PushImageAsync("warehouse/b", "1.4.0", _single);
        await _hq.Client.PushImageAsync("warehouse/b", "1.3", TestImage.Create(layers: 1, layerBytes: 1024, seed: 1791, architecture: "arm64"));

        // Signed as cosign does (a .sig tag), and with an OCI referrer found through the referrers tag schema
        // (distribution 2.8 has no referrers API).
        var subject = _index["warehouse/a:1.4.1"];
        _sigLayer = TestBlob.Json(SigType, "{\"critical\":{\"image\":{\"docker-manifest-digest\":\"" + subject.Digest + "\"}}}");
        var emptyConfig = TestBlob.Json("application/vnd.oci.image.config.v1+json", "{}");
        var sigLayer = _sigLayer.DescriptorJson("\"annotations\":{\"dev.cosignproject.cosign/signature\":\"MEUCIQ\"}");
        _signature = TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{{emptyConfig.DescriptorJson()}},"layers":[{{sigLayer}}]}
            """);
        _referrerLayer = TestBlob.Json("application/spdx+json", """{"spdxVersion":"SPDX-2.3"}""");
        _referrer = TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"application/spdx+json","config":{{emptyConfig.DescriptorJson()}},"layers":[{{_referrerLayer.DescriptorJson()}}],"subject":{{subject.DescriptorJson()}}}
            """);
        foreach (var blob in new[] { emptyConfig, _sigLayer, _referrerLayer })
        {
            await _hq.Client.PushBlobAsync("warehouse/a", blob);
        }

        await _hq.Client.PushManifestAsync("warehouse/a", $"sha256-{subject.Hex}.sig", _signature);
        await _hq.Client.PushManifestAsync("warehouse/a", _referrer.Digest.ToString(), _referrer);
        var entry = _referrer.DescriptorJson("\"artifactType\":\"application/spdx+json\"");
        var referrers = TestBlob.Json(MediaTypes.OciIndex, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{entry}}]}
            """);
        await _hq.Client.PushManifestAsync("warehouse/a", $"sha256-{subject.Hex}", referrers);
    }

    public async Task DisposeAsync() => await _hq.DisposeAsync();

    [Fact]
    public async Task SyncJob_CopiesOnlyMatchingRepositoriesTagsAndPlatform_WithReferrers_AndContainerdPullsThemWithHqStopped()
    {
        await using var cache = await CacheServer.StartAsync("hq", _hq.BaseUri.ToString(), s =>
        {
            s.Upstreams["hq"].Aliases = [_hq.Host];
            s.Sync.Jobs = [new SyncJob
            {
                Name = "warehouse", Upstream = "hq", Repositories = ["warehouse/**"], Tags = new SyncTagFilter { Semver = ">=1.4 <2" },
                Platforms = ["linux/arm64"], Referrers = true,
            }];
        });

        var summary = await cache.Log.WaitForAsync(LogEventLevel.Information, "Sync warehouse done");
        Assert.Contains("0 failed", summary);
        Assert.True(_hq.CountRequests("GET", "/v2/_catalog") >= 1, "the catalog was not listed");
        Assert.Equal(0, _hq.CountRequests("GET", "/v2/other/c/"));
        await _hq.StopAsync();

        var layout = new DataLayout(cache.DataPath);
        foreach (var tag in new[] { "1.4.0", "1.4.1" })
        {
            var key = $"warehouse/a:{tag}";
            Assert.All(_arm[key].Blobs, b => Assert.True(File.Exists(layout.BlobPath(b.Digest)), $"{key}: an arm64 blob was not synced"));
            Assert.All(_amd[key].Layers, b => Assert.False(File.Exists(layout.BlobPath(b.Digest)), $"{key}: an amd64 layer was synced"));
            Assert.False(File.Exists(layout.BlobPath(_amd[key].Digest)), $"{key}: the amd64 manifest was synced");
            using var index = await cache.Client.GetAsync($"/v2/hq/warehouse/a/manifests/{tag}");
            Assert.Equal(_index[key].Bytes, await index.Content.ReadAsByteArrayAsync()); // kept whole
        }

        foreach (var notSynced in new[] { "warehouse/a:1.3", "warehouse/a:latest", "other/c:1.4.0" })
        {
            Assert.All(_arm[notSynced].Blobs, b => Assert.False(File.Exists(layout.BlobPath(b.Digest)), $"{notSynced} was synced"));
        }

        foreach (var path in new[] { "warehouse/a/manifests/1.3", "warehouse/a/manifests/latest", "other/c/manifests/1.4.0", "warehouse/b/manifests/1.3" })
        {
            using var response = await cache.Client.GetAsync($"/v2/hq/{path}");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
        }

        // The signature and the referrer, offline.
        var subject = _index["warehouse/a:1.4.1"];
        using (var signature = await cache.Client.GetAsync($"/v2/hq/warehouse/a/manifests/sha256-{subject.Hex}.sig"))
        {
            Assert.Equal(_signature.Bytes, await signature.Content.ReadAsByteArrayAsync());
        }

        Assert.True(File.Exists(layout.BlobPath(_sigLayer.Digest)), "the signature's layer was not synced");
        Assert.True(File.Exists(layout.BlobPath(_referrerLayer.Digest)), "the referrer's layer was not synced");
        var referrers = await cache.Client.GetStringAsync($"/v2/hq/warehouse/a/referrers/{subject.Digest}");
        using (var listing = System.Text.Json.JsonDocument.Parse(referrers))
        {
            var descriptor = Assert.Single(listing.RootElement.GetProperty("manifests").EnumerateArray());
            Assert.Equal(_referrer.Digest.ToString(), descriptor.GetProperty("digest").GetString());
            Assert.Equal("application/spdx+json", descriptor.GetProperty("artifactType").GetString());
        }

        var metrics = await cache.Client.GetStringAsync("/metrics");
        Assert.Matches(@"ocicache_sync_images_total\{job=""warehouse""\} [1-9]", metrics);
        Assert.Matches(@"ocicache_sync_runs_total\{job=""warehouse"",outcome=""ok""\} 1", metrics);

        await using var containerd = await Containerd.StartAsync();
        containerd.WriteHostsToml(_hq.Host, _hq.BaseUri.ToString().TrimEnd('/'), ($"http://{cache.Host}", "\"pull\", \"resolve\""));
        foreach (var image in new[] { "warehouse/a:1.4.0", "warehouse/a:1.4.1", "warehouse/b:1.4.0" })
        {
            await containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", containerd.HostsDir, "--snapshotter", "native",
                "--platform", "linux/arm64", $"{_hq.Host}/{image}");
        }

        var listed = await containerd.CtrCheckedAsync("images", "ls");
        Assert.Contains(_index["warehouse/a:1.4.1"].Digest.ToString(), listed);
        Assert.Contains(_single.Digest.ToString(), listed);
    }

    [Fact]
    public async Task SyncJob_WhileOffline_ContactsNothingAndSaysSo()
    {
        await using var cache = await CacheServer.StartAsync("hq", _hq.BaseUri.ToString(), s =>
        {
            s.Cache.Offline = true;
            s.Sync.Jobs = [new SyncJob { Upstream = "hq", Repositories = ["warehouse/**"] }];
        });

        await cache.Log.WaitForAsync(LogEventLevel.Information, "Sync hq-0 skipped: the cache is offline");

        Assert.Equal(0, _hq.CountRequests("GET", "/v2/_catalog"));
        Assert.Equal(0, _hq.CountRequests("GET", "/v2/warehouse/"));
    }

    [Fact]
    public async Task SyncJob_DeniedRepository_IsNotSynced()
    {
        await using var cache = await CacheServer.StartAsync("hq", _hq.BaseUri.ToString(), s =>
        {
            s.Upstreams["hq"].Deny = ["warehouse/a"];
            s.Sync.Jobs = [new SyncJob { Name = "all", Upstream = "hq", Repositories = ["warehouse/*", "other/c"], Tags = new SyncTagFilter { Regex = "1\\.4\\.0" } }];
        });

        var summary = await cache.Log.WaitForAsync(LogEventLevel.Information, "Sync all done");

        Assert.Contains("0 failed", summary);
        Assert.True(cache.Log.Contains(LogEventLevel.Information, "hq/warehouse/a is not synced, the upstream policy denies it"), cache.Log.ToString());
        Assert.Equal(0, _hq.CountRequests("GET", "/v2/warehouse/a/"));
        Assert.True(_hq.CountRequests("GET", "/v2/other/c/manifests/1.4.0") >= 1, _hq.Log);
        Assert.True(_hq.CountRequests("GET", "/v2/warehouse/b/manifests/1.4.0") >= 1, _hq.Log);
    }
}
