using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace OciCache.Trust;

/// <summary>
/// Ed25519 (pure, RFC 8032), through BouncyCastle: .NET has no Ed25519. It signs the whole message, so a
/// signature given with only the message's digest (a bundle's message signature) cannot be checked.
/// </summary>
internal sealed class Ed25519Verifier : SignatureVerifier
{
    private readonly Ed25519PublicKeyParameters key;

    /// <summary>Decodes the 32-byte point; throws <see cref="ArgumentException"/> when it is not one.</summary>
    public Ed25519Verifier(byte[] publicKey) => key = new Ed25519PublicKeyParameters(publicKey);

    public override string Algorithm => "ed25519";

    public override bool CanVerifyDigest => false;

    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Ed25519.SignatureSize)
        {
            return false;
        }

        var bytes = message.ToArray();
        return key.Verify(Ed25519.Algorithm.Ed25519, null, bytes, 0, bytes.Length, signature.ToArray(), 0);
    }

    public override bool VerifyDigest(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature) => false;
}
