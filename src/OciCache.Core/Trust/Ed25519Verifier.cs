using Org.BouncyCastle.Math.EC.Rfc8032;

namespace OciCache.Trust;

/// <summary>
/// Ed25519 (pure, RFC 8032), through BouncyCastle: .NET has no Ed25519. It signs the whole message, so a
/// signature given with only the message's digest (a bundle's message signature) cannot be checked.
/// </summary>
internal sealed class Ed25519Verifier(byte[] publicKey) : SignatureVerifier
{
    public override string Algorithm => "ed25519";

    public override bool CanVerifyDigest => false;

    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == Ed25519.SignatureSize && Ed25519.Verify(signature.ToArray(), 0, publicKey, 0, message.ToArray(), 0, message.Length);

    public override bool VerifyDigest(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature) => false;
}
