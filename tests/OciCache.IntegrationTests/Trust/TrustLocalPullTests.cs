using System.Net;
using OciCache.Oci;

namespace OciCache.IntegrationTests.Trust;

/// <summary>
/// A local project under an enforcing rule (<c>site/**</c>, rule "signed", the CI key): what containerd and
/// HTTP clients get for images signed as cosign signs them (.sig tag, Sigstore bundle referrer), for unsigned
/// ones, and for signatures that name another image or come from another key.
/// </summary>
public sealed class TrustLocalPullTests : IAsyncLifetime
{
    private const string Repository = "site/app";
    private TrustSetup _trust = null!;
    private RegistryServer _server = null!;
    private Containerd _containerd = null!;

    public async Task InitializeAsync()
    {
        _trust = await TrustSetup.CreateAsync();
        _server = await RegistryServer.StartAsync(_trust.Rule("site/**"));
        _containerd = await Containerd.StartAsync();
        var url = $"http://{_server.Host}";
        _containerd.WriteHostsToml(_server.Host, url, (url, "\"pull\", \"resolve\""));
    }

    public async Task DisposeAsync()
    {
        await _containerd.DisposeAsync();
        await _server.DisposeAsync();
        _trust.Dispose();
    }

    [Fact]
    public async Task SignedImage_PullsThroughContainerd_UnsignedGets403AndCtrSaysWhy()
    {
        var signed = TestImage.Create(layers: 2, seed: 2301);
        var unsigned = TestImage.Create(layers: 2, seed: 2302);
        await _server.Client.PushImageAsync(Repository, "signed", signed);
        await _server.Client.PushImageAsync(Repository, "unsigned", unsigned);
        await TrustSetup.SignAsync(_server.Client, Repository, signed.Digest, _trust.Ci);

        await PullAsync("signed");
        Assert.Contains(signed.Digest.ToString(), await _containerd.CtrCheckedAsync("images", "ls"));

        var refused = await _containerd.CtrAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", $"{_server.Host}/{Repository}:unsigned");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("403", refused.ToString());
        Assert.Contains($"{unsigned.Digest} in {Repository} is not signed by a key of rule \"signed\" (enforce): no signature found", refused.ToString());

        using var get = await _server.Client.GetAsync($"/v2/{Repository}/manifests/unsigned");
        await RegistryHttp.AssertOciErrorAsync(get, HttpStatusCode.Forbidden, "DENIED");
        Assert.Equal($"{unsigned.Digest} in {Repository} is not signed by a key of rule \"signed\" (enforce): no signature found", await TrustSetup.ErrorMessageAsync(get));
        using var head = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{Repository}/manifests/{unsigned.Digest}"));
        Assert.Equal(HttpStatusCode.Forbidden, head.StatusCode);

        // The signature itself is always served: a client verifies with it.
        using var signature = await _server.Client.GetAsync($"/v2/{Repository}/manifests/{Cosign.SignatureTag(signed.Digest)}");
        Assert.Equal(HttpStatusCode.OK, signature.StatusCode);
    }

    [Fact]
    public async Task SignatureNamingAnotherDigest_AndSignatureByAnotherKey_AreRefused()
    {
        var signed = TestImage.Create(layers: 1, seed: 2303);
        var substituted = TestImage.Create(layers: 1, seed: 2304);
        var foreign = TestImage.Create(layers: 1, seed: 2305);
        await _server.Client.PushImageAsync(Repository, "signed", signed);
        await _server.Client.PushImageAsync(Repository, "substituted", substituted);
        await _server.Client.PushImageAsync(Repository, "foreign", foreign);
        await TrustSetup.SignAsync(_server.Client, Repository, signed.Digest, _trust.Ci);
        // A valid signature of the signed image, copied to the substitute's .sig tag.
        await TrustSetup.SignAsync(_server.Client, Repository, substituted.Digest, _trust.Ci, named: signed.Digest);
        await TrustSetup.SignAsync(_server.Client, Repository, foreign.Digest, _trust.Stranger);

        using var ok = await _server.Client.GetAsync($"/v2/{Repository}/manifests/signed");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        foreach (var tag in new[] { "substituted", "foreign" })
        {
            using var response = await _server.Client.GetAsync($"/v2/{Repository}/manifests/{tag}");
            await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.Forbidden, "DENIED");
            Assert.Contains("is not signed by a key of rule \"signed\" (enforce): ", await TrustSetup.ErrorMessageAsync(response));
        }

        var refused = await _containerd.CtrAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", $"{_server.Host}/{Repository}:substituted");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("403", refused.ToString());
    }

    [Fact]
    public async Task IndexSignedAtTheIndex_Arm64ChildPullsByDigest()
    {
        var amd64 = TestImage.Create(layers: 1, seed: 2306, architecture: "amd64");
        var arm64 = TestImage.Create(layers: 1, seed: 2307, architecture: "arm64");
        var index = TestImage.Index(ImageFormat.Oci, amd64, arm64);
        await _server.Client.PushImageAsync(Repository, amd64.Digest.ToString(), amd64);
        await _server.Client.PushImageAsync(Repository, arm64.Digest.ToString(), arm64);
        await _server.Client.PushManifestAsync(Repository, "multi", index);
        await TrustSetup.SignAsync(_server.Client, Repository, index.Digest, _trust.Ci);

        await _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native",
            "--platform", "linux/arm64", $"{_server.Host}/{Repository}:multi");
        Assert.Contains(index.Digest.ToString(), await _containerd.CtrCheckedAsync("images", "ls"));
        using var child = await _server.Client.GetAsync($"/v2/{Repository}/manifests/{arm64.Digest}");
        Assert.Equal(HttpStatusCode.OK, child.StatusCode);

        // The children are signed only through the index: alone, an image of them is not.
        var alone = TestImage.Index(ImageFormat.Oci, arm64);
        await _server.Client.PushManifestAsync(Repository, "alone", alone);
        using var refused = await _server.Client.GetAsync($"/v2/{Repository}/manifests/alone");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task WarmPullOfASignedImage_CostsNoVerification()
    {
        var image = TestImage.Create(layers: 1, seed: 2308);
        await _server.Client.PushImageAsync(Repository, "warm", image);
        await TrustSetup.SignAsync(_server.Client, Repository, image.Digest, _trust.Ci);
        var before = await TrustSetup.MetricAsync(_server.Client, "ocicache_trust_verifications_total");

        await PullAsync("warm");
        var cold = await TrustSetup.MetricAsync(_server.Client, "ocicache_trust_verifications_total");
        Assert.True(cold > before, $"the first pull verified nothing ({before} -> {cold})");
        var signedVerdicts = await TrustSetup.MetricAsync(_server.Client, "ocicache_trust_verdicts_total{result=\"signed\"}");

        await _containerd.ForgetAllAsync();
        await PullAsync("warm");
        Assert.Equal(cold, await TrustSetup.MetricAsync(_server.Client, "ocicache_trust_verifications_total"));
        Assert.Equal(signedVerdicts, await TrustSetup.MetricAsync(_server.Client, "ocicache_trust_verdicts_total{result=\"signed\"}"));
    }

    [Fact]
    public async Task ConcurrentFirstPulls_ShareOneCheck()
    {
        var image = TestImage.Create(layers: 1, seed: 2311);
        await _server.Client.PushImageAsync(Repository, "busy", image);
        await TrustSetup.SignAsync(_server.Client, Repository, image.Digest, _trust.Ci);
        var verifications = await TrustSetup.MetricAsync(_server.Client, "ocicache_trust_verifications_total");
        var verdicts = await TrustSetup.MetricAsync(_server.Client, "ocicache_trust_verdicts_total{result=\"signed\"}");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _server.Client.GetAsync($"/v2/{Repository}/manifests/busy")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(verifications + 1, await TrustSetup.MetricAsync(_server.Client, "ocicache_trust_verifications_total"));
        Assert.Equal(verdicts + 1, await TrustSetup.MetricAsync(_server.Client, "ocicache_trust_verdicts_total{result=\"signed\"}"));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task SigstoreBundleReferrer_ByTheKey_IsAccepted_OneWithACertificate_IsRefusedSayingWhy()
    {
        var bundled = TestImage.Create(layers: 1, seed: 2309);
        var certified = TestImage.Create(layers: 1, seed: 2310);
        await _server.Client.PushImageAsync(Repository, "bundled", bundled);
        await _server.Client.PushImageAsync(Repository, "certified", certified);
        var bundle = await Cosign.BundleAsync(_trust.Ci, bundled.Manifest);
        await _server.Client.PushAsync(Repository, bundle.Digest.ToString(), bundle);
        var withCertificate = await Cosign.BundleAsync(_trust.Ci, certified.Manifest, withCertificate: true);
        await _server.Client.PushAsync(Repository, withCertificate.Digest.ToString(), withCertificate);

        await PullAsync("bundled");
        using var refused = await _server.Client.GetAsync($"/v2/{Repository}/manifests/certified");
        await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.Forbidden, "DENIED");
        Assert.Contains("certificate", await TrustSetup.ErrorMessageAsync(refused), StringComparison.OrdinalIgnoreCase);
    }

    private Task<string> PullAsync(string tag) =>
        _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", $"{_server.Host}/{Repository}:{tag}");
}
