using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Hosting;
using OciCache.IntegrationTests.PullThrough;
using OciCache.Lifecycle;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Sync;
using OciCache.Trust;
using Serilog.Events;

namespace OciCache.IntegrationTests.Trust;

/// <summary>
/// Sync and prefetch under a signature rule, against a real distribution registry ("HQ") holding
/// <c>site/app:signed</c> (signed with cosign's format at its <c>.sig</c> tag) and <c>site/app:unsigned</c>:
/// in enforce mode the signed image is stored and the unsigned one is not (none of its layers), and the run
/// names it with the rule and the reason; in warn mode both are stored and the unsigned one is named.
/// </summary>
public sealed class JobsCopyTests : IAsyncLifetime
{
    private const string Rule = "signed";

    private readonly TempDirectory _keys = new("trust-jobs-keys");
    private DistributionRegistry _hq = null!;
    private CosignKey _key = null!;
    private TestImage _signed = null!;
    private TestImage _unsigned = null!;
    private TestBlob _signature = null!;

    public async Task InitializeAsync()
    {
        _hq = await DistributionRegistry.StartAsync();
        _key = await CosignKey.CreateAsync(_keys.Path, "ci");
        _signed = TestImage.Create(layers: 2, layerBytes: 64 * 1024, seed: 2301);
        _unsigned = TestImage.Create(layers: 2, layerBytes: 64 * 1024, seed: 2302);
        await _hq.Client.PushImageAsync("site/app", "signed", _signed);
        await _hq.Client.PushImageAsync("site/app", "unsigned", _unsigned);
        var signature = await Cosign.SignatureAsync(_key, $"{_hq.Host}/site/app", _signed.Digest);
        await _hq.Client.PushAsync("site/app", Cosign.SignatureTag(_signed.Digest), signature);
        _signature = signature.Manifest;
    }

    public async Task DisposeAsync()
    {
        await _hq.DisposeAsync();
        _keys.Dispose();
    }

    [Fact]
    public async Task SyncJob_Enforce_StoresTheSignedImage_SkipsTheUnsignedNamingItAndTheRule()
    {
        await using var cache = await StartAsync(TrustMode.Enforce, s => s.Sync.Jobs =
        [
            new SyncJob { Name = "site", Upstream = "hq", Repositories = ["site/app"], Referrers = true },
        ]);

        var summary = await cache.Log.WaitForAsync(LogEventLevel.Information, "Sync site done");
        Assert.Contains("1 failed", summary);
        // Serilog escapes the quotes around the rule's name, and the capture drops quotes: signed\ is left.
        var refusal = $"hq/site/app:unsigned failed: {_unsigned.Digest} in hq/site/app is not signed by a key of rule ";
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, refusal), cache.Log.ToString());
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, $"{Rule}\\ (enforce): no signature found"), cache.Log.ToString());

        var layout = new DataLayout(cache.DataPath);
        Assert.All(_signed.Blobs, b => Assert.True(File.Exists(layout.BlobPath(b.Digest)), $"{b.Digest} of the signed image was not synced"));
        Assert.All(_unsigned.Blobs, b => Assert.False(File.Exists(layout.BlobPath(b.Digest)), $"{b.Digest} of the unsigned image was synced"));
        Assert.Null(await cache.Services.GetRequiredService<IManifestIndex>().GetManifestAsync(Repository.Mirror("hq", "site/app"), _unsigned.Digest));
        var metrics = await cache.Client.GetStringAsync("/metrics");
        Assert.Matches(@"ocicache_sync_unsigned_total\{job=""site"",mode=""enforce""\} 1\b", metrics);
        Assert.Matches(@"ocicache_sync_failures_total\{job=""site""\} 1\b", metrics);

        // The signature came along: with HQ stopped the signed image is still served (its verdict from the
        // stored signature), and the unsigned one is not there at all.
        await _hq.StopAsync();
        await cache.RestartAsync();
        using (var signature = await cache.Client.GetAsync($"/v2/hq/site/app/manifests/{Cosign.SignatureTag(_signed.Digest)}"))
        {
            Assert.Equal(_signature.Bytes, await signature.Content.ReadAsByteArrayAsync());
        }

        using var request = RegistryHttp.Request(HttpMethod.Get, "/v2/hq/site/app/manifests/signed", null, ("Accept", _signed.Manifest.MediaType));
        using var served = await cache.Client.SendAsync(request);
        Assert.True(served.StatusCode == HttpStatusCode.OK, await RegistryHttp.Describe(served));
        Assert.Equal(_signed.Manifest.Bytes, await served.Content.ReadAsByteArrayAsync());
        using var unsigned = await cache.Client.GetAsync("/v2/hq/site/app/manifests/unsigned");
        await RegistryHttp.AssertOciErrorAsync(unsigned, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Fact]
    public async Task Prefetch_Enforce_StoresTheSignedImage_FailsTheUnsignedNamingItAndTheRule()
    {
        await using var cache = await StartAsync(TrustMode.Enforce);

        var result = await PrefetchAsync(cache);

        Assert.Equal(["hq/site/app:signed"], result.Images);
        var failure = Assert.Single(result.Failed);
        Assert.Equal("hq/site/app:unsigned", failure.Image);
        Assert.StartsWith($"{_unsigned.Digest} in hq/site/app is not signed by a key of rule \"{Rule}\" (enforce): ", failure.Failure.ToString());
        Assert.Equal(1, result.TrustRefused);
        Assert.Empty(result.TrustWarnings);
        var layout = new DataLayout(cache.DataPath);
        Assert.All(_signed.Blobs, b => Assert.True(File.Exists(layout.BlobPath(b.Digest)), $"{b.Digest} of the signed image was not prefetched"));
        Assert.All(_unsigned.Blobs, b => Assert.False(File.Exists(layout.BlobPath(b.Digest)), $"{b.Digest} of the unsigned image was prefetched"));
        var index = cache.Services.GetRequiredService<IManifestIndex>();
        Assert.Null(await index.GetManifestAsync(Repository.Mirror("hq", "site/app"), _unsigned.Digest)); // its manifest, read to be checked, is not kept
        Assert.Null(await index.GetTagAsync(Repository.Mirror("hq", "site/app"), "unsigned"));
    }

    [Fact]
    public async Task Prefetch_Warn_StoresBoth_NamesTheUnsigned()
    {
        await using var cache = await StartAsync(TrustMode.Warn);

        var result = await PrefetchAsync(cache);

        Assert.Equal(["hq/site/app:signed", "hq/site/app:unsigned"], result.Images);
        Assert.Empty(result.Failed);
        Assert.Equal(0, result.TrustRefused);
        var warning = Assert.Single(result.TrustWarnings);
        Assert.Equal("hq/site/app:unsigned", warning.Image);
        Assert.Contains($"rule \"{Rule}\" (warn)", warning.ToString());
        var layout = new DataLayout(cache.DataPath);
        Assert.All(_unsigned.Blobs.Concat(_signed.Blobs), b => Assert.True(File.Exists(layout.BlobPath(b.Digest)), $"{b.Digest} was not prefetched"));
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, "Copy of hq/site/app:unsigned"), cache.Log.ToString());
    }

    private Task<RegistryServer> StartAsync(TrustMode mode, Action<OciCacheSettings>? configure = null) =>
        CacheServer.StartAsync("hq", _hq.BaseUri.ToString(), s =>
        {
            s.Upstreams["hq"].Aliases = [_hq.Host];
            s.Trust.Policies = [new TrustRule { Name = Rule, Repositories = ["hq/site/**"], Keys = [_key.PublicKeyPath], Mode = mode }];
            configure?.Invoke(s);
        });

    private async Task<PrefetchResult> PrefetchAsync(RegistryServer cache) =>
        await cache.Services.GetRequiredService<Prefetcher>().RunAsync(
            [new PrefetchImage { Image = $"{_hq.Host}/site/app", Tags = ["signed", "unsigned"] }], CancellationToken.None);
}
