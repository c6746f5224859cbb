using System.Text;
using OciCache.Oci;
using OciCache.Trust;

namespace OciCache.Tests.Trust;

public sealed class CosignFormatsTests(SigningKeys keys) : IClassFixture<SigningKeys>
{
    private static readonly Digest Image = Digest.ComputeSha256("an image manifest"u8);
    private static readonly Digest OtherImage = Digest.ComputeSha256("another image manifest"u8);

    [Theory]
    [InlineData(CosignKeyType.EcdsaP256)]
    [InlineData(CosignKeyType.EcdsaP384)]
    [InlineData(CosignKeyType.Rsa)]
    [InlineData(CosignKeyType.RsaPss)]
    [InlineData(CosignKeyType.Ed25519)]
    public async Task CheckSimpleSigning_SignedByARuleKey_IsVerifiedNamingTheKey(CosignKeyType type)
    {
        var (payload, signature) = await SignAsync(keys[type], Image);

        var check = CosignFormats.CheckSimpleSigning(payload, signature, Image, [TrustKey.Load(keys.Stranger.PublicKeyPath), keys.Trusted(type)]);

        Assert.Equal(new SignatureCheck(true, type.ToString().ToLowerInvariant(), null, 2), check);
    }

    [Fact]
    public async Task CheckSimpleSigning_OtherKey_IsRefusedNamingTheKeysTried()
    {
        var (payload, signature) = await SignAsync(keys.Stranger, Image);

        var check = CosignFormats.CheckSimpleSigning(payload, signature, Image, [keys.Trusted(CosignKeyType.EcdsaP256), keys.Trusted(CosignKeyType.Ed25519)]);

        Assert.Equal(SignatureCheck.Refused("no key of the rule verifies the signature (tried ecdsap256, ed25519)", 2), check);
    }

    [Fact]
    public async Task CheckSimpleSigning_TamperedPayload_IsRefused()
    {
        var (payload, signature) = await SignAsync(keys[CosignKeyType.EcdsaP256], Image);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(payload).Replace("\"optional\":null", "\"optional\":{}"));

        var check = CosignFormats.CheckSimpleSigning(tampered, signature, Image, [keys.Trusted(CosignKeyType.EcdsaP256)]);

        Assert.False(check.Verified);
        Assert.Equal(1, check.Verifications);
        Assert.StartsWith("no key of the rule verifies the signature", check.Reason);
    }

    [Fact]
    public async Task CheckSimpleSigning_SignatureOfAnotherDigest_IsRefusedWithoutCryptography()
    {
        var (payload, signature) = await SignAsync(keys[CosignKeyType.EcdsaP256], OtherImage);

        var check = CosignFormats.CheckSimpleSigning(payload, signature, Image, [keys.Trusted(CosignKeyType.EcdsaP256)]);

        Assert.Equal(SignatureCheck.Refused($"signature names {OtherImage} not {Image}"), check);
    }

    [Theory]
    [InlineData(null, "the signature layer has no dev.cosignproject.cosign/signature annotation")]
    [InlineData("", "the signature layer has no dev.cosignproject.cosign/signature annotation")]
    [InlineData("not*base64!", "the dev.cosignproject.cosign/signature annotation is not base64")]
    public void CheckSimpleSigning_MissingOrBadBase64Signature_GivesTheReason(string? signature, string reason)
    {
        var payload = Cosign.SimpleSigningPayload("site/app", Image);

        Assert.Equal(SignatureCheck.Refused(reason), CosignFormats.CheckSimpleSigning(payload, signature, Image, [keys.Trusted(CosignKeyType.EcdsaP256)]));
    }

    [Fact]
    public void CheckSimpleSigning_OversizedPayload_IsRefusedUnread()
    {
        var payload = new byte[CosignFormats.MaxDocumentBytes + 1];

        var check = CosignFormats.CheckSimpleSigning(payload, "AAAA", Image, [keys.Trusted(CosignKeyType.EcdsaP256)]);

        Assert.Equal(SignatureCheck.Refused("the signature payload is 65537 bytes, more than the 65536 allowed"), check);
    }

    [Theory]
    [InlineData("{\"critical\":", "the signature payload is not JSON")]
    [InlineData("[1,2]", "the signature payload has no critical.type")]
    [InlineData("{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-digest\":\"x\"}}}", "the signature payload's critical.type is \"atomic container signature\", not \"cosign container image signature\"")]
    [InlineData("{\"critical\":{\"type\":\"cosign container image signature\"}}", "the signature payload has no critical.image.docker-manifest-digest")]
    public void CheckSimpleSigning_NotCosignsPayload_GivesTheReason(string payload, string reason)
    {
        var check = CosignFormats.CheckSimpleSigning(Encoding.UTF8.GetBytes(payload), "AAAA", Image, [keys.Trusted(CosignKeyType.EcdsaP256)]);

        Assert.False(check.Verified);
        Assert.StartsWith(reason, check.Reason);
        Assert.Equal(0, check.Verifications);
    }

    [Fact]
    public async Task CheckSimpleSigning_SpecsCapitalisedDigestKey_IsReadLikeGoDoes()
    {
        // The spec's own example spells "Docker-manifest-digest"; cosign (Go's encoding/json) reads names case-insensitively.
        var payload = Encoding.UTF8.GetBytes($$$"""{"critical":{"identity":{"docker-reference":"site/app"},"image":{"Docker-manifest-digest":"{{{Image}}}"},"type":"cosign container image signature"},"optional":null}""");
        var signature = Convert.ToBase64String(await keys[CosignKeyType.EcdsaP256].SignAsync(payload));

        Assert.True(CosignFormats.CheckSimpleSigning(payload, signature, Image, [keys.Trusted(CosignKeyType.EcdsaP256)]).Verified);
    }

    [Theory]
    [InlineData(CosignKeyType.EcdsaP256)]
    [InlineData(CosignKeyType.EcdsaP384)]
    [InlineData(CosignKeyType.Rsa)]
    [InlineData(CosignKeyType.RsaPss)]
    [InlineData(CosignKeyType.Ed25519)]
    public async Task CheckBundle_DsseEnvelopeSignedByARuleKey_IsVerified(CosignKeyType type)
    {
        var bundle = await Cosign.BundleJsonAsync(keys[type], Image, BundleContent.Dsse);

        Assert.Equal(new SignatureCheck(true, keys[type].Name, null, 1), CosignFormats.CheckBundle(bundle, Image, [keys.Trusted(type)]));
        Assert.Equal(SignatureCheck.Refused($"signature names {Image} not {OtherImage}"), CosignFormats.CheckBundle(bundle, OtherImage, [keys.Trusted(type)]));
        Assert.False(CosignFormats.CheckBundle(bundle, Image, [TrustKey.Load(keys.Stranger.PublicKeyPath)]).Verified);
    }

    [Theory]
    [InlineData(CosignKeyType.EcdsaP256)]
    [InlineData(CosignKeyType.EcdsaP384)]
    [InlineData(CosignKeyType.Rsa)]
    [InlineData(CosignKeyType.RsaPss)]
    public async Task CheckBundle_MessageSignatureOverTheDigest_IsVerified(CosignKeyType type)
    {
        var bundle = await Cosign.BundleJsonAsync(keys[type], Image, BundleContent.MessageSignature);

        Assert.Equal(new SignatureCheck(true, keys[type].Name, null, 1), CosignFormats.CheckBundle(bundle, Image, [keys.Trusted(type)]));
        Assert.Equal(SignatureCheck.Refused($"signature names {Image} not {OtherImage}"), CosignFormats.CheckBundle(bundle, OtherImage, [keys.Trusted(type)]));
        Assert.Equal(
            SignatureCheck.Refused("no key of the rule verifies the signature (tried stranger)", 1),
            CosignFormats.CheckBundle(bundle, Image, [keys.Trusted(CosignKeyType.Ed25519), TrustKey.Load(keys.Stranger.PublicKeyPath)]));
    }

    [Fact]
    public async Task CheckBundle_MessageSignatureWithOnlyEd25519Keys_SaysEd25519CannotVerifyADigest()
    {
        var bundle = await Cosign.BundleJsonAsync(keys[CosignKeyType.EcdsaP256], Image, BundleContent.MessageSignature);

        var check = CosignFormats.CheckBundle(bundle, Image, [keys.Trusted(CosignKeyType.Ed25519)]);

        Assert.False(check.Verified);
        Assert.Contains("Ed25519 keys cannot verify", check.Reason);
    }

    [Theory]
    [InlineData(BundleContent.Dsse)]
    [InlineData(BundleContent.MessageSignature)]
    public async Task CheckBundle_WithCertificate_IsRefusedNamingFulcioAndRekor(BundleContent content)
    {
        var bundle = await Cosign.BundleJsonAsync(keys[CosignKeyType.EcdsaP256], Image, content, withCertificate: true);

        var check = CosignFormats.CheckBundle(bundle, Image, [keys.Trusted(CosignKeyType.EcdsaP256)]);

        Assert.Equal(SignatureCheck.Refused("the bundle carries a certificate (Fulcio/Rekor trust), which a rule with keys only does not accept"), check);
    }

    [Fact]
    public void CheckBundle_CertificateChainOfOlderBundles_IsRefusedToo()
    {
        var bundle = Encoding.UTF8.GetBytes($$$"""{"mediaType":"{{{CosignFormats.BundleMediaType}}}","verificationMaterial":{"x509CertificateChain":{"certificates":[{"rawBytes":"AAAA"}]}},"messageSignature":{}}""");

        Assert.Contains("Fulcio/Rekor", CosignFormats.CheckBundle(bundle, Image, [keys.Trusted(CosignKeyType.EcdsaP256)]).Reason);
    }

    [Fact]
    public async Task CheckBundle_TamperedDssePayload_IsRefused()
    {
        var bundle = Encoding.UTF8.GetString(await Cosign.BundleJsonAsync(keys[CosignKeyType.EcdsaP256], Image));
        var original = Convert.ToBase64String(Cosign.InTotoStatement(Image));
        var altered = Convert.ToBase64String(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Cosign.InTotoStatement(Image)).Replace("\"name\":\"image\"", "\"name\":\"other\"")));
        Assert.Contains(original, bundle);

        var check = CosignFormats.CheckBundle(Encoding.UTF8.GetBytes(bundle.Replace(original, altered)), Image, [keys.Trusted(CosignKeyType.EcdsaP256)]);

        Assert.False(check.Verified);
        Assert.Equal(1, check.Verifications);
    }

    [Theory]
    [InlineData("{", "the bundle is not JSON")]
    [InlineData("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.1+json\"}", "the bundle's mediaType is \"application/vnd.dev.sigstore.bundle.v0.1+json\", not application/vnd.dev.sigstore.bundle.v0.3+json")]
    [InlineData("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{}}", "the bundle names no public key in its verificationMaterial")]
    [InlineData("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":{}}}", "the bundle has neither a messageSignature nor a dsseEnvelope")]
    [InlineData("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":{}},\"messageSignature\":{\"messageDigest\":{\"algorithm\":\"SHA2_256\",\"digest\":\"%%%\"}}}", "the bundle's message digest is not 32 bytes of base64")]
    [InlineData("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":{}},\"dsseEnvelope\":{\"payload\":\"e30=\",\"payloadType\":\"text/plain\"}}", "the DSSE payloadType is \"text/plain\", not application/vnd.in-toto+json")]
    [InlineData("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":{}},\"dsseEnvelope\":{\"payload\":\"!!\",\"payloadType\":\"application/vnd.in-toto+json\"}}", "the DSSE payload is missing or not base64")]
    [InlineData("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":{}},\"dsseEnvelope\":{\"payload\":\"e30=\",\"payloadType\":\"application/vnd.in-toto+json\"}}", "the in-toto statement has no subject list")]
    public void CheckBundle_Malformed_GivesTheReason(string json, string reason)
    {
        var check = CosignFormats.CheckBundle(Encoding.UTF8.GetBytes(json), Image, [keys.Trusted(CosignKeyType.EcdsaP256)]);

        Assert.False(check.Verified);
        Assert.StartsWith(reason, check.Reason);
    }

    [Fact]
    public void Checks_StringThatIsNotUtf8_GiveAReason()
    {
        byte[] payload = [.. "{\"critical\":{\"type\":\""u8, 0xC3, 0x28, .. "\"}}"u8];
        byte[] bundle = [.. "{\"mediaType\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.Equal("the signature payload is not JSON: a string is not UTF-8", CosignFormats.CheckSimpleSigning(payload, "AAAA", Image, [keys.Trusted(CosignKeyType.EcdsaP256)]).Reason);
        Assert.Equal("the bundle is not JSON: a string is not UTF-8", CosignFormats.CheckBundle(bundle, Image, [keys.Trusted(CosignKeyType.EcdsaP256)]).Reason);
    }

    [Fact]
    public void CheckBundle_Oversized_IsRefusedUnread()
    {
        var check = CosignFormats.CheckBundle(new byte[CosignFormats.MaxDocumentBytes + 1], Image, [keys.Trusted(CosignKeyType.EcdsaP256)]);

        Assert.Equal(SignatureCheck.Refused("the bundle is 65537 bytes, more than the 65536 allowed"), check);
    }

    [Fact]
    public async Task Checks_EveryTruncationOrFlippedByte_GiveAReasonAndNeverThrow()
    {
        var trusted = new[] { keys.Trusted(CosignKeyType.EcdsaP256), keys.Trusted(CosignKeyType.Ed25519) };
        var bundle = await Cosign.BundleJsonAsync(keys[CosignKeyType.EcdsaP256], Image);
        var (payload, signature) = await SignAsync(keys[CosignKeyType.EcdsaP256], Image);
        var random = new Random(23);

        for (var length = 0; length < bundle.Length; length++)
        {
            Assert.NotNull(CosignFormats.CheckBundle(bundle.AsSpan(0, length), Image, trusted).Reason);
        }

        for (var length = 0; length < payload.Length; length++)
        {
            Assert.NotNull(CosignFormats.CheckSimpleSigning(payload.AsSpan(0, length), signature, Image, trusted).Reason);
        }

        for (var i = 0; i < 300; i++)
        {
            var flipped = payload.ToArray();
            flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            Assert.False(CosignFormats.CheckSimpleSigning(flipped, signature, Image, trusted).Verified);
        }
    }

    [Theory]
    [InlineData("sha256-97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36.sig", true)]
    [InlineData("sha256-97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36.att", true)]
    [InlineData("sha256-97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36.sbom", true)]
    [InlineData("sha256-97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36", false)]
    [InlineData("sha256-97FC222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36.sig", false)]
    [InlineData("sha256-97fc.sig", false)]
    [InlineData("v1.sig", false)]
    public void IsSignatureTag_CosignsTags_Only(string tag, bool expected)
    {
        Assert.Equal(expected, CosignFormats.IsSignatureTag(tag));
    }

    private static async Task<(byte[] Payload, string Signature)> SignAsync(CosignKey key, Digest digest)
    {
        var payload = Cosign.SimpleSigningPayload("registry.example/site/app", digest);
        return (payload, Convert.ToBase64String(await key.SignAsync(payload)));
    }
}
