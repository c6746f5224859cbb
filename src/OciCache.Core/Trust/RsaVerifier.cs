using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace OciCache.Trust;

/// <summary>
/// RSA over SHA-256: PKCS#1 v1.5, or PSS with MGF1-SHA-256 and any salt length. Go's crypto/rsa (cosign) signs PSS
/// with the longest salt that fits by default, and .NET verifies only a salt as long as the hash, so PSS is checked
/// here by RFC 8017's EMSA-PSS-VERIFY, which reads the salt length from the encoded message.
/// </summary>
internal sealed class RsaVerifier : SignatureVerifier
{
    private readonly Lock gate = new();
    private readonly RSA key;
    private readonly BigInteger modulus;
    private readonly BigInteger exponent;
    private readonly int modulusBits;

    public RsaVerifier(RSA key)
    {
        this.key = key;
        var parameters = key.ExportParameters(includePrivateParameters: false);
        modulus = new BigInteger(parameters.Modulus, isUnsigned: true, isBigEndian: true);
        exponent = new BigInteger(parameters.Exponent, isUnsigned: true, isBigEndian: true);
        modulusBits = (int)modulus.GetBitLength();
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

    /// <summary>RFC 8017 section 8.1.2 and 9.1.2, with the salt length taken from the encoded message.</summary>
    private bool VerifyPss(ReadOnlySpan<byte> mHash, ReadOnlySpan<byte> signature)
    {
        var k = (modulusBits + 7) / 8;
        if (signature.Length != k)
        {
            return false;
        }

        var s = new BigInteger(signature, isUnsigned: true, isBigEndian: true);
        if (s >= modulus)
        {
            return false;
        }

        var emBits = modulusBits - 1;
        var emLen = (emBits + 7) / 8;
        var m = BigInteger.ModPow(s, exponent, modulus);
        if (m.GetByteCount(isUnsigned: true) > emLen)
        {
            return false;
        }

        var em = new byte[emLen];
        m.TryWriteBytes(em.AsSpan(emLen - m.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);

        const int hLen = SHA256.HashSizeInBytes;
        if (emLen < hLen + 2 || em[^1] != 0xbc)
        {
            return false;
        }

        var dbLen = emLen - hLen - 1;
        var h = em.AsSpan(dbLen, hLen);
        var topMask = (byte)(0xff >> (8 * emLen - emBits));
        if ((em[0] & ~topMask) != 0)
        {
            return false;
        }

        var db = Mgf1(h, dbLen);
        for (var i = 0; i < dbLen; i++)
        {
            db[i] ^= em[i];
        }

        db[0] &= topMask;
        var separator = db.AsSpan().IndexOfAnyExcept((byte)0);
        if (separator < 0 || db[separator] != 0x01)
        {
            return false;
        }

        var salt = db.AsSpan(separator + 1);
        var prime = new byte[8 + hLen + salt.Length];
        mHash.CopyTo(prime.AsSpan(8));
        salt.CopyTo(prime.AsSpan(8 + hLen));
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(prime), h);
    }

    private static byte[] Mgf1(ReadOnlySpan<byte> seed, int length)
    {
        var mask = new byte[length];
        var input = new byte[seed.Length + 4];
        seed.CopyTo(input);
        Span<byte> block = stackalloc byte[SHA256.HashSizeInBytes];
        for (uint counter = 0, offset = 0; offset < length; counter++, offset += SHA256.HashSizeInBytes)
        {
            BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(seed.Length), counter);
            SHA256.HashData(input, block);
            block[..Math.Min(block.Length, length - (int)offset)].CopyTo(mask.AsSpan((int)offset));
        }

        return mask;
    }
}
