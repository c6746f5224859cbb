using System.Net;
using OciCache.IntegrationTests.PullThrough;
using OciCache.Oci;

namespace OciCache.IntegrationTests.Trust;

/// <summary>
/// A mirror under an enforcing rule (<c>hub/**</c>) of a distribution registry where the images were signed:
/// one with cosign's .sig tag, one with an OCI 1.1 referrer (distribution 2.8 has no referrers API, so the
/// referrer is listed at the referrers tag <c>sha256-&lt;hex&gt;</c>, as cosign writes it there). Both pull
/// through containerd, and again once the upstream is gone and the cache restarted with no verdict in memory.
/// </summary>
public sealed class TrustMirrorTests : IAsyncLifetime
{
    private TrustSetup _trust = null!;
    private DistributionRegistry _upstream = null!;

    public async Task InitializeAsync()
    {
        _trust = await TrustSetup.CreateAsync();
        _upstream = await DistributionRegistry.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _trust.Dispose();
    }

    [Fact]
    public async Task SignedUpstreamImages_TagAndReferrer_PullThroughContainerd_AndAgainOfflineAfterARestart()
    {
        var tagged = TestImage.Create(layers: 1, seed: 2320);
        var referred = TestImage.Create(layers: 1, seed: 2321);
        var unsigned = TestImage.Create(layers: 1, seed: 2322);
        await _upstream.Client.PushImageAsync("library/tagged", "v1", tagged);
        await _upstream.Client.PushImageAsync("library/referred", "v1", referred);
        await _upstream.Client.PushImageAsync("library/unsigned", "v1", unsigned);
        await TrustSetup.SignAsync(_upstream.Client, "library/tagged", tagged.Digest, _trust.Ci);
        var referrer = await Cosign.SignatureAsync(_trust.Ci, $"{_upstream.Host}/library/referred", referred.Digest, referred.Manifest);
        await _upstream.Client.PushAsync("library/referred", referrer.Digest.ToString(), referrer);
        var listing = TestBlob.Json(MediaTypes.OciIndex,
            $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{referrer.Manifest.DescriptorJson($"\"artifactType\":\"{Cosign.SignatureArtifactType}\"")}}]}""");
        await _upstream.Client.PushManifestAsync("library/referred", $"sha256-{referred.Digest.Encoded}", listing);

        await using var cache = await CacheServer.StartAsync("hub", _upstream.BaseUri.ToString(), _trust.Rule("hub/**"));
        await using var containerd = await Containerd.StartAsync();
        var url = $"http://{cache.Host}";
        containerd.WriteHostsToml(cache.Host, url, (url, "\"pull\", \"resolve\""));
        async Task PullBothAsync()
        {
            foreach (var repository in new[] { "tagged", "referred" })
            {
                await containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", containerd.HostsDir, "--snapshotter", "native", $"{cache.Host}/hub/library/{repository}:v1");
            }

            using var refused = await cache.Client.GetAsync("/v2/hub/library/unsigned/manifests/v1");
            await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.Forbidden, "DENIED");
            Assert.Equal($"{unsigned.Digest} in hub/library/unsigned is not signed by a key of rule \"signed\" (enforce): no signature found",
                await TrustSetup.ErrorMessageAsync(refused));
        }

        await PullBothAsync();
        var listed = await containerd.CtrCheckedAsync("images", "ls");
        Assert.Contains(tagged.Digest.ToString(), listed);
        Assert.Contains(referred.Digest.ToString(), listed);

        await _upstream.StopAsync();
        await cache.RestartAsync();
        await containerd.ForgetAllAsync();
        await PullBothAsync();
        Assert.Contains(referred.Digest.ToString(), await containerd.CtrCheckedAsync("images", "ls"));
        Assert.True(await TrustSetup.MetricAsync(cache.Client, "ocicache_trust_verdicts_total{result=\"signed\"}") >= 2,
            "after the restart the verdicts were reached again, from what the cache stored");
    }

    [Fact]
    public async Task ReferrerListedByTheUpstreamsReferrersApi_IsFound_AndStoredForUseOffline()
    {
        // An upstream with the referrers API (another OciCache, whose local repositories answer it), and no referrers tag.
        await using var hq = await RegistryServer.StartAsync();
        var image = TestImage.Create(layers: 1, seed: 2323);
        var unsigned = TestImage.Create(layers: 1, seed: 2324);
        await hq.Client.PushImageAsync("site/app", "v1", image);
        await hq.Client.PushImageAsync("site/app", "v2", unsigned);
        var referrer = await Cosign.SignatureAsync(_trust.Ci, $"{hq.Host}/site/app", image.Digest, image.Manifest);
        await hq.Client.PushAsync("site/app", referrer.Digest.ToString(), referrer);

        await using var cache = await CacheServer.StartAsync("hq", hq.BaseUri.ToString(), _trust.Rule("hq/**"));
        using (var served = await cache.Client.GetAsync("/v2/hq/site/app/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        using (var refused = await cache.Client.GetAsync("/v2/hq/site/app/manifests/v2"))
        {
            await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.Forbidden, "DENIED");
        }

        await hq.StopAsync();
        await cache.RestartAsync();
        using var offline = await cache.Client.GetAsync("/v2/hq/site/app/manifests/v1");
        Assert.Equal(HttpStatusCode.OK, offline.StatusCode);
        Assert.Equal(1, await TrustSetup.MetricAsync(cache.Client, "ocicache_trust_verdicts_total{result=\"signed\"}"));
    }
}
