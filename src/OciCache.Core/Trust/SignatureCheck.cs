namespace OciCache.Trust;

/// <summary>
/// The outcome of checking one signature (a simple-signing layer or a Sigstore bundle) against a rule's keys:
/// <see cref="KeyName"/> is the key that verified it, <see cref="Reason"/> says why it did not verify, and
/// <see cref="Verifications"/> counts the cryptographic verifications performed (for the verification metric).
/// </summary>
public readonly record struct SignatureCheck(bool Verified, string? KeyName, string? Reason, int Verifications)
{
    public static SignatureCheck Refused(string reason, int verifications = 0) => new(false, null, reason, verifications);

    public static SignatureCheck By(TrustKey key, int verifications) => new(true, key.Name, null, verifications);
}
