using System.Security.Cryptography;

namespace OciCache.Trust;

/// <summary>The verification half of one key type. The platform key objects are not documented as thread-safe, so each call holds the key's lock.</summary>
internal abstract class SignatureVerifier
{
    public abstract string Algorithm { get; }

    public virtual bool CanVerifyDigest => true;

    public abstract bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);

    /// <summary>Over a message given by its SHA-256 digest.</summary>
    public abstract bool VerifyDigest(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature);
}

/// <summary>ECDSA: the signature as ASN.1 DER (what cosign and openssl write) or IEEE P1363 r||s.</summary>
internal sealed class EcdsaVerifier(string algorithm, ECDsa key) : SignatureVerifier
{
    private readonly Lock gate = new();

    public override string Algorithm => algorithm;

    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        // P-384 keys sign over SHA-384 by sigstore's default, but cosign's key-pair flow has hashed with SHA-256.
        Span<byte> hash = stackalloc byte[SHA384.HashSizeInBytes];
        if (algorithm == "ecdsa-p384")
        {
            SHA384.HashData(message, hash);
            if (VerifyHash(hash, signature))
            {
                return true;
            }
        }

        SHA256.HashData(message, hash[..SHA256.HashSizeInBytes]);
        return VerifyHash(hash[..SHA256.HashSizeInBytes], signature);
    }

    public override bool VerifyDigest(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature) => VerifyHash(sha256, signature);

    private bool VerifyHash(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature)
    {
        lock (gate)
        {
            try
            {
                return key.VerifyHash(hash, signature, DSASignatureFormat.Rfc3279DerSequence)
                    || key.VerifyHash(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            catch (CryptographicException)
            {
                return false;
            }
        }
    }
}
