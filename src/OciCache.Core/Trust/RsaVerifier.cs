using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;

namespace OciCache.Trust;

/// <summary>
/// RSA over SHA-256: PKCS#1 v1.5, or PSS with MGF1-SHA-256 and a salt as long as the hash or as long as fits. Go's crypto/rsa (cosign) signs PSS
/// with the longest salt that fits by default, and .NET verifies only a salt as long as the hash, so PSS is checked
/// through BouncyCastle with both lengths.
/// </summary>
internal sealed class RsaVerifier : SignatureVerifier
{
    private readonly Lock gate = new();
    private readonly RSA key;
    private readonly RsaKeyParameters publicKey;
    private readonly int modulusBits;

    public RsaVerifier(RSA key)
    {
        this.key = key;
        var parameters = key.ExportParameters(includePrivateParameters: false);
        var modulus = new BigInteger(1, parameters.Modulus);
        publicKey = new RsaKeyParameters(false, modulus, new BigInteger(1, parameters.Exponent));
        modulusBits = modulus.BitLength;
    }

    public override string Algorithm => "rsa";

    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(message, hash);
        return VerifyDigest(hash, signature);
    }

    public override bool VerifyDigest(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature)
    {
        lock (gate)
        {
            try
            {
                if (key.VerifyHash(sha256, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                {
                    return true;
                }
            }
            catch (CryptographicException)
            {
                return false;
            }
        }

        return VerifyPss(sha256, signature);
    }

    /// <summary>
    /// EMSA-PSS over the digest through BouncyCastle's raw PSS signer, which checks one salt length: the hash's
    /// (what .NET and most tools sign with) and the longest that fits (Go's default). Other lengths are not tried.
    /// </summary>
    private bool VerifyPss(ReadOnlySpan<byte> mHash, ReadOnlySpan<byte> signature)
    {
        const int hLen = SHA256.HashSizeInBytes;
        var emLen = (modulusBits - 1 + 7) / 8;
        var longest = emLen - hLen - 2;
        var hash = mHash.ToArray();
        var bytes = signature.ToArray();
        foreach (var saltLength in longest > hLen ? [hLen, longest] : new[] { hLen })
        {
            var pss = PssSigner.CreateRawSigner(new RsaBlindedEngine(), new Sha256Digest(), new Sha256Digest(), saltLength, PssSigner.TrailerImplicit);
            pss.Init(false, publicKey);
            pss.BlockUpdate(hash, 0, hash.Length);
            if (pss.VerifySignature(bytes))
            {
                return true;
            }
        }

        return false;
    }
}
