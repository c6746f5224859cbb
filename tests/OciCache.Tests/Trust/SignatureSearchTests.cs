using OciCache.Oci;
using OciCache.Trust;

namespace OciCache.Tests.Trust;

/// <summary>
/// The search over a signature source (an import bundle's layout or the registry): the .sig tag, the referrers
/// API, the referrers tag; what decides, and what each costs in verifications.
/// </summary>
public sealed class SignatureSearchTests(SigningKeys keys) : IClassFixture<SigningKeys>
{
    private static readonly TestImage Image = TestImage.Create(layers: 1, seed: 2360);
    private static readonly TestImage Other = TestImage.Create(layers: 1, seed: 2361);

    private IReadOnlyList<TrustKey> RuleKeys => [keys.Trusted(CosignKeyType.EcdsaP256)];

    private CosignKey Ci => keys[CosignKeyType.EcdsaP256];

    [Fact]
    public async Task FindAsync_NothingThere_IsUnsigned_WithNoVerification()
    {
        var found = await SignatureSearch.FindAsync(new MemorySource(), Image.Digest, RuleKeys, default);

        Assert.Equal(new SearchResult(TrustState.Unsigned, null, "no signature found", 0), found);
    }

    [Fact]
    public async Task FindAsync_SigTagByTheKey_IsSignedByItsName()
    {
        var source = new MemorySource();
        source.Add(Cosign.SignatureTag(Image.Digest), await Cosign.SignatureAsync(Ci, "edge/site/app", Image.Digest));

        var found = await SignatureSearch.FindAsync(source, Image.Digest, RuleKeys, default);

        Assert.Equal(TrustState.Signed, found.State);
        Assert.Equal("ecdsap256", found.KeyName);
        Assert.Equal(1, found.Verifications);
    }

    [Fact]
    public async Task FindAsync_SignatureOfAnotherDigest_OrByAStranger_IsInvalidWithTheReason()
    {
        var substituted = new MemorySource();
        substituted.Add(Cosign.SignatureTag(Image.Digest), await Cosign.SignatureAsync(Ci, "edge/site/app", Other.Digest));
        var foreign = new MemorySource();
        foreign.Add(Cosign.SignatureTag(Image.Digest), await Cosign.SignatureAsync(keys.Stranger, "edge/site/app", Image.Digest));

        var other = await SignatureSearch.FindAsync(substituted, Image.Digest, RuleKeys, default);
        var stranger = await SignatureSearch.FindAsync(foreign, Image.Digest, RuleKeys, default);

        Assert.Equal(TrustState.Invalid, other.State);
        Assert.Contains(Other.Digest.ToString(), other.Reason);
        Assert.Equal(TrustState.Invalid, stranger.State);
        Assert.False(string.IsNullOrEmpty(stranger.Reason));
    }

    [Fact]
    public async Task FindAsync_ReferrerThroughTheReferrersTag_AfterAFailingSigTag_IsSigned()
    {
        var source = new MemorySource();
        source.Add(Cosign.SignatureTag(Image.Digest), await Cosign.SignatureAsync(keys.Stranger, "edge/site/app", Image.Digest));
        var referrer = await Cosign.SignatureAsync(Ci, "edge/site/app", Image.Digest, Image.Manifest);
        source.Add(referrer.Digest.ToString(), referrer);
        source.Manifests[$"sha256-{Image.Digest.Encoded}"] = TestBlob.Json(MediaTypes.OciIndex,
            $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{referrer.Manifest.DescriptorJson($"\"artifactType\":\"{Cosign.SignatureArtifactType}\"")}}]}""").Bytes;

        var found = await SignatureSearch.FindAsync(source, Image.Digest, RuleKeys, default);

        Assert.Equal(TrustState.Signed, found.State);
        Assert.True(found.Verifications >= 2, "the stranger's signature was tried first");
    }

    [Fact]
    public async Task FindAsync_BundleReferrer_ByTheKey_IsSigned_WithACertificate_IsInvalidSayingSo()
    {
        var signed = new MemorySource();
        var bundle = await Cosign.BundleAsync(Ci, Image.Manifest);
        signed.Add(bundle.Digest.ToString(), bundle);
        signed.Referrers.Add(new Descriptor(bundle.Manifest.MediaType, bundle.Digest, bundle.Manifest.Size) { ArtifactType = Cosign.BundleMediaType });
        var certified = new MemorySource();
        var withCertificate = await Cosign.BundleAsync(Ci, Image.Manifest, withCertificate: true);
        certified.Add(withCertificate.Digest.ToString(), withCertificate);
        certified.Referrers.Add(new Descriptor(withCertificate.Manifest.MediaType, withCertificate.Digest, withCertificate.Manifest.Size) { ArtifactType = Cosign.BundleMediaType });
        // An SBOM referrer is no signature: it is not even read.
        certified.Referrers.Add(new Descriptor(MediaTypes.OciManifest, Other.Digest, 10) { ArtifactType = "application/spdx+json" });

        var good = await SignatureSearch.FindAsync(signed, Image.Digest, RuleKeys, default);
        var refused = await SignatureSearch.FindAsync(certified, Image.Digest, RuleKeys, default);

        Assert.Equal(TrustState.Signed, good.State);
        Assert.Equal(TrustState.Invalid, refused.State);
        Assert.Contains("certificate", refused.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Other.Digest.ToString(), certified.Read);
    }

    private sealed class MemorySource : ISignatureSource
    {
        public Dictionary<string, byte[]> Manifests { get; } = [];

        public Dictionary<Digest, byte[]> Blobs { get; } = [];

        public List<Descriptor> Referrers { get; } = [];

        public List<string> Read { get; } = [];

        public void Add(string reference, CosignArtifact artifact)
        {
            Manifests[reference] = artifact.Manifest.Bytes;
            Manifests[artifact.Digest.ToString()] = artifact.Manifest.Bytes;
            foreach (var blob in artifact.Blobs)
            {
                Blobs[blob.Digest] = blob.Bytes;
            }
        }

        public ValueTask<ReadOnlyMemory<byte>?> GetManifestAsync(Reference reference, int maxBytes, CancellationToken cancellationToken)
        {
            Read.Add(reference.ToString());
            return ValueTask.FromResult(Manifests.TryGetValue(reference.ToString(), out var bytes) && bytes.Length <= maxBytes ? (ReadOnlyMemory<byte>?)bytes : null);
        }

        public ValueTask<ReadOnlyMemory<byte>?> GetBlobAsync(Digest digest, int maxBytes, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Blobs.TryGetValue(digest, out var bytes) && bytes.Length <= maxBytes ? (ReadOnlyMemory<byte>?)bytes : null);

        public ValueTask<IReadOnlyList<Descriptor>> GetReferrersAsync(Digest subject, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<Descriptor>>(Referrers);
    }
}
