using System.Net;
using OciCache.IntegrationTests.Transfer;
using OciCache.Storage;

namespace OciCache.IntegrationTests.Trust;

/// <summary>
/// Export and import under a signature rule (<c>Trust:Policies</c> in the file given with <c>--config</c>),
/// through the built <c>ocicache</c> executable. The source cache holds three local images of
/// <c>site/app</c>: <c>signed</c> (cosign's <c>.sig</c> tag), <c>referred</c> (signed by an OCI 1.1 referrer)
/// and <c>unsigned</c>. Export refuses the unsigned one naming image and rule, unless
/// <c>--allow-unsigned</c>; an import in enforce mode takes only the signed ones, from the signatures the
/// bundle carries.
/// </summary>
public sealed class JobsTransferTests : IAsyncLifetime
{
    private const string Rule = "signed";

    private readonly TempDirectory _work = new("trust-jobs-transfer");
    private RegistryServer _source = null!;
    private TestImage _signed = null!;
    private TestImage _referred = null!;
    private TestImage _unsigned = null!;
    private string _enforce = null!;

    public async Task InitializeAsync()
    {
        var key = await CosignKey.CreateAsync(_work.Combine(), "ci");
        _enforce = _work.Combine("enforce.json");
        await File.WriteAllTextAsync(_enforce, $$$"""
            {"Trust":{"Policies":[{"Name":"{{{Rule}}}","Repositories":["site/**"],"Keys":["{{{key.PublicKeyPath}}}"],"Mode":"enforce"}]}}
            """);

        _source = await RegistryServer.StartAsync();
        _signed = TestImage.Create(layers: 1, layerBytes: 64 * 1024, seed: 2311);
        _referred = TestImage.Create(layers: 1, layerBytes: 64 * 1024, seed: 2312);
        _unsigned = TestImage.Create(layers: 1, layerBytes: 64 * 1024, seed: 2313);
        await _source.Client.PushImageAsync("site/app", "signed", _signed);
        await _source.Client.PushImageAsync("site/app", "referred", _referred);
        await _source.Client.PushImageAsync("site/app", "unsigned", _unsigned);
        var reference = $"{_source.Host}/site/app";
        await _source.Client.PushAsync("site/app", Cosign.SignatureTag(_signed.Digest), await Cosign.SignatureAsync(key, reference, _signed.Digest));
        var referrer = await Cosign.SignatureAsync(key, reference, _referred.Digest, _referred.Manifest);
        await _source.Client.PushAsync("site/app", referrer.Manifest.Digest.ToString(), referrer);
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        _work.Dispose();
    }

    [Fact]
    public async Task Export_UnsignedImage_IsRefusedNamingImageAndRule_AndLeavesNothing()
    {
        var bundle = _work.Combine("refused.tar");

        var result = await TransferFixture.OciCacheAsync("export", "site/app:signed", "site/app:unsigned", "--to", bundle, "--config", _enforce, "--data", _source.DataPath);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"site/app:unsigned ({_unsigned.Digest}) is not signed by a key of rule \"{Rule}\" (enforce): ", result.Stderr);
        Assert.Contains("--allow-unsigned", result.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_work.Path, "*refused*")); // neither the bundle nor its temp copy
    }

    [Fact]
    public async Task Export_SignedImages_Pass_AndUnsignedPassesWithAllowUnsigned()
    {
        var signed = await TransferFixture.OciCacheCheckedAsync(
            "export", "site/app:signed", "site/app:referred", "--to", _work.Combine("signed"), "--config", _enforce, "--data", _source.DataPath);
        Assert.Contains("exported 2 images", signed.Stdout);

        var allowed = await TransferFixture.OciCacheCheckedAsync(
            "export", "site/app:unsigned", "--allow-unsigned", "--to", _work.Combine("allowed"), "--config", _enforce, "--data", _source.DataPath);
        Assert.Contains("exported 1 images", allowed.Stdout);
        Assert.Contains($"site/app:unsigned ({_unsigned.Digest}) is not signed by a key of rule \"{Rule}\"", allowed.Stdout); // a note
    }

    [Fact]
    public async Task Import_Enforce_TakesOnlyTheSignedImages_NamesTheRefusedOne()
    {
        // Exported without a policy, with the signatures (the .sig tag and the referrer) in the bundle.
        var bundle = _work.Combine("all.tar");
        await TransferFixture.OciCacheCheckedAsync(
            "export", "site/app:signed", "site/app:referred", "site/app:unsigned", "--referrers", "--to", bundle, "--data", _source.DataPath);
        using var data = new TempDirectory("trust-jobs-import");

        var imported = await TransferFixture.OciCacheAsync("import", bundle, "--config", _enforce, "--data", data.Path);

        Assert.True(imported.ExitCode == 1, imported.ToString());
        Assert.Contains("imported 4 images", imported.Stdout); // signed, referred, the .sig tag and the referrer
        Assert.Contains($"refused: site/app:unsigned ({_unsigned.Digest}) is not signed by a key of rule \"{Rule}\" (enforce): ", imported.Stderr);
        Assert.Single(imported.Stderr.Split('\n'), line => line.StartsWith("refused: ", StringComparison.Ordinal)); // not the signed ones, nor the signatures
        var layout = new DataLayout(data.Path);
        Assert.All(_unsigned.Blobs.Append(_unsigned.Manifest), b => Assert.False(File.Exists(layout.BlobPath(b.Digest)), $"{b.Digest} of the refused image is in the store"));

        await using var target = await RegistryServer.StartAsync(dataPath: data.Path);
        await TransferFixture.AssertServedAsync(target.Client, "/v2/site/app/manifests/signed", _signed.Manifest.Bytes);
        await TransferFixture.AssertServedAsync(target.Client, "/v2/site/app/manifests/referred", _referred.Manifest.Bytes);
        using var unsigned = await target.Client.GetAsync("/v2/site/app/manifests/unsigned");
        await RegistryHttp.AssertOciErrorAsync(unsigned, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");

        // With --allow-unsigned the same bundle brings the unsigned one too.
        await target.StopAsync();
        var allowed = await TransferFixture.OciCacheCheckedAsync("import", bundle, "--allow-unsigned", "--config", _enforce, "--data", data.Path);
        Assert.Contains($"imported unsigned: site/app:unsigned ({_unsigned.Digest})", allowed.Stderr);
        await target.StartAgainAsync();
        await TransferFixture.AssertServedAsync(target.Client, "/v2/site/app/manifests/unsigned", _unsigned.Manifest.Bytes);
    }
}
