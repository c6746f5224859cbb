using System.Security.Cryptography;
using System.Text;
using OciCache.Trust;

namespace OciCache.Tests.Trust;

public sealed class TrustKeyTests(SigningKeys keys) : IClassFixture<SigningKeys>
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("the payload a key signs");

    [Theory]
    [InlineData(CosignKeyType.EcdsaP256, "ecdsa-p256")]
    [InlineData(CosignKeyType.EcdsaP384, "ecdsa-p384")]
    [InlineData(CosignKeyType.Rsa, "rsa")]
    [InlineData(CosignKeyType.RsaPss, "rsa")]
    [InlineData(CosignKeyType.Ed25519, "ed25519")]
    public async Task Verify_OpensslSignature_IsAccepted(CosignKeyType type, string algorithm)
    {
        var key = keys.Trusted(type);
        var signature = await keys[type].SignAsync(Message);

        Assert.Equal(algorithm, key.Algorithm);
        Assert.Equal(type.ToString().ToLowerInvariant(), key.Name);
        Assert.True(key.Verify(Message, signature));
    }

    /// <summary>
    /// PSS with a salt as long as the hash, as .NET, OpenSSL's default and most KMS sign (the signer's keys use
    /// Go's longest salt): both lengths verify.
    /// </summary>
    [Fact]
    public void Verify_RsaPssWithHashLengthSalt_IsAccepted()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(keys[CosignKeyType.RsaPss].PrivateKeyPath));
        var signature = rsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);

        Assert.True(keys.Trusted(CosignKeyType.RsaPss).Verify(Message, signature));
        Assert.False(keys.Trusted(CosignKeyType.RsaPss).Verify(Message.Append((byte)0).ToArray(), signature));
    }

    [Theory]
    [InlineData(CosignKeyType.EcdsaP256)]
    [InlineData(CosignKeyType.EcdsaP384)]
    [InlineData(CosignKeyType.Rsa)]
    [InlineData(CosignKeyType.RsaPss)]
    [InlineData(CosignKeyType.Ed25519)]
    public async Task Verify_TamperedMessageOrOtherKey_IsRefused(CosignKeyType type)
    {
        var signature = await keys[type].SignAsync(Message);
        var tampered = Message.ToArray();
        tampered[0] ^= 1;

        Assert.False(keys.Trusted(type).Verify(tampered, signature));
        Assert.False(TrustKey.Load(keys.Stranger.PublicKeyPath).Verify(Message, signature));
        Assert.False(keys.Trusted(type).Verify(Message, signature.AsSpan(0, signature.Length - 1)));
    }

    [Theory]
    [InlineData(CosignKeyType.EcdsaP256)]
    [InlineData(CosignKeyType.EcdsaP384)]
    [InlineData(CosignKeyType.Rsa)]
    [InlineData(CosignKeyType.RsaPss)]
    public async Task VerifyDigest_SignatureOverPrehashedMessage_IsAccepted(CosignKeyType type)
    {
        var digest = SHA256.HashData(Message);
        var signature = await keys[type].SignDigestAsync(digest);

        Assert.True(keys.Trusted(type).VerifyDigest(digest, signature));
        Assert.True(keys.Trusted(type).Verify(Message, signature)); // the same signature, over the whole message
        Assert.False(keys.Trusted(type).VerifyDigest(SHA256.HashData(Message.Append((byte)0).ToArray()), signature));
    }

    [Fact]
    public async Task VerifyDigest_Ed25519_CannotAndSaysSo()
    {
        var key = keys.Trusted(CosignKeyType.Ed25519);
        var signature = await keys[CosignKeyType.Ed25519].SignAsync(Message);

        Assert.False(key.CanVerifyDigest);
        Assert.True(key.Verify(Message, signature));
        Assert.False(key.VerifyDigest(SHA256.HashData(Message), signature));
    }

    [Fact]
    public async Task Verify_EcdsaP384OverSha256_IsAccepted()
    {
        // cosign's key-pair flow has signed P-384 over SHA-256; the key also takes SHA-384 (sigstore's default).
        var sha256Signed = await keys[CosignKeyType.EcdsaP384].SignDigestAsync(SHA256.HashData(Message));

        Assert.True(keys.Trusted(CosignKeyType.EcdsaP384).Verify(Message, sha256Signed));
    }

    [Fact]
    public async Task Verify_EcdsaP1363Signature_IsAccepted()
    {
        var der = await keys[CosignKeyType.EcdsaP256].SignAsync(Message);
        var p1363 = ConvertDerToP1363(der);

        Assert.Equal(64, p1363.Length);
        Assert.True(keys.Trusted(CosignKeyType.EcdsaP256).Verify(Message, p1363));
    }

    [Fact]
    public void Verify_RsaPssWithSaltAsLongAsTheHash_IsAccepted()
    {
        // .NET's and openssl's "digest" salt length: the verifier reads any salt length from the signature.
        using var rsa = RSA.Create(2048);
        using var directory = new TempDirectory("trust-key");
        var path = directory.Combine("pss.pub");
        File.WriteAllText(path, rsa.ExportSubjectPublicKeyInfoPem());
        var signature = rsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);

        Assert.True(TrustKey.Load(path).Verify(Message, signature));
        Assert.False(TrustKey.Load(path).Verify(Message.Append((byte)1).ToArray(), signature));
    }

    [Fact]
    public async Task Load_Pkcs1RsaPublicKey_IsAccepted()
    {
        using var directory = new TempDirectory("trust-key");
        var path = directory.Combine("legacy.pem");
        await ProcessRunner.RunCheckedAsync("openssl", "rsa", "-pubin", "-in", keys[CosignKeyType.Rsa].PublicKeyPath, "-RSAPublicKey_out", "-out", path);
        Assert.StartsWith("-----BEGIN RSA PUBLIC KEY-----", File.ReadAllText(path));

        var key = TrustKey.Load(path);
        var signature = await keys[CosignKeyType.Rsa].SignAsync(Message);

        Assert.Equal(("legacy", "rsa"), (key.Name, key.Algorithm));
        Assert.True(key.Verify(Message, signature));
    }

    [Fact]
    public void LoadAll_Directory_ReadsEveryPubAndPemFileInNameOrder()
    {
        using var directory = new TempDirectory("trust-key");
        File.Copy(keys[CosignKeyType.Ed25519].PublicKeyPath, directory.Combine("b-ops.pem"));
        File.Copy(keys[CosignKeyType.EcdsaP256].PublicKeyPath, directory.Combine("a-ci.pub"));
        File.WriteAllText(directory.Combine("README.txt"), "not a key");

        var loaded = TrustKey.LoadAll(directory.Path);

        Assert.Equal(["a-ci", "b-ops"], loaded.Select(k => k.Name));
        Assert.Equal(["ecdsa-p256", "ed25519"], loaded.Select(k => k.Algorithm));
        Assert.Equal(["ecdsa-p256"], TrustKey.LoadAll(directory.Combine("a-ci.pub")).Select(k => k.Algorithm));
    }

    [Fact]
    public void LoadAll_EmptyDirectory_NamesIt()
    {
        using var directory = new TempDirectory("trust-key");

        var error = Assert.Throws<TrustKeyException>(() => TrustKey.LoadAll(directory.Path));

        Assert.Contains(directory.Path, error.Message);
        Assert.Contains("no *.pub or *.pem", error.Message);
    }

    [Fact]
    public void Load_MissingFile_NamesIt()
    {
        var error = Assert.Throws<TrustKeyException>(() => TrustKey.Load("/nonexistent/ci.pub"));

        Assert.Equal("the key file /nonexistent/ci.pub does not exist", error.Message);
    }

    [Fact]
    public void Load_PrivateKey_IsRefusedAskingForThePublicOne()
    {
        var error = Assert.Throws<TrustKeyException>(() => TrustKey.Load(keys[CosignKeyType.EcdsaP256].PrivateKeyPath));

        Assert.Contains("holds a private key", error.Message);
        Assert.Contains(keys[CosignKeyType.EcdsaP256].PrivateKeyPath, error.Message);
    }

    [Theory]
    [InlineData("not pem at all", "is not PEM")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----\n", "is not a valid public key")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIBIjAN\n-----END CERTIFICATE-----\n", "holds a CERTIFICATE")]
    public void Parse_Garbage_GivesAReasonNamingTheFile(string pem, string reason)
    {
        var error = Assert.Throws<TrustKeyException>(() => TrustKey.Parse("bad", "/keys/bad.pub", pem));

        Assert.Contains("/keys/bad.pub", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Parse_P521OrShortRsa_IsRefusedAsUnsupported()
    {
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        using var rsa1024 = RSA.Create(1024);

        Assert.Contains("P-256 and P-384", Assert.Throws<TrustKeyException>(() => TrustKey.Parse("x", "x.pub", p521.ExportSubjectPublicKeyInfoPem())).Message);
        Assert.Contains("1024 bits", Assert.Throws<TrustKeyException>(() => TrustKey.Parse("x", "x.pub", rsa1024.ExportSubjectPublicKeyInfoPem())).Message);
    }

    /// <summary>ASN.1 SEQUENCE { INTEGER r, INTEGER s } to r||s of 32 bytes each.</summary>
    private static byte[] ConvertDerToP1363(byte[] der)
    {
        var reader = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var r = reader.ReadIntegerBytes().ToArray().SkipWhile(b => b == 0).ToArray();
        var s = reader.ReadIntegerBytes().ToArray().SkipWhile(b => b == 0).ToArray();
        var result = new byte[64];
        r.CopyTo(result, 32 - r.Length);
        s.CopyTo(result, 64 - s.Length);
        return result;
    }
}
