using OciCache.Oci;

namespace OciCache.Trust;

/// <summary>
/// The signature policy (<c>Trust:Policies</c>): which rule covers a repository, and whether a manifest digest
/// of it is signed by one of that rule's keys. Verdicts are kept per (repository, digest, policy version), so a
/// warm pull costs no cryptography; a changed policy or key file, or a signature stored later, checks again.
/// </summary>
public interface ITrustPolicy
{
    /// <summary>True when a rule whose mode is not off covers <paramref name="repository"/>: only then is anything checked.</summary>
    bool Covers(Repository repository);

    /// <summary>
    /// Checks <paramref name="digest"/> (a manifest of <paramref name="repository"/>) against the rule covering
    /// the repository, reading signatures through the registry (local store or, for a mirror, its upstream).
    /// </summary>
    ValueTask<TrustVerdict> EvaluateAsync(Repository repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>The same check, reading signatures from <paramref name="source"/> (an import bundle's layout); not cached.</summary>
    ValueTask<TrustVerdict> EvaluateAsync(Repository repository, Digest digest, ISignatureSource source, CancellationToken cancellationToken);

    /// <summary>
    /// Told that a manifest was stored in <paramref name="repository"/> (a push, or a signature that arrived):
    /// cached verdicts that were not <see cref="TrustState.Signed"/> for the repository are checked again.
    /// </summary>
    void ManifestStored(Repository repository, Digest digest);
}

/// <summary>
/// Where a check reads signatures from: the registry by default, an import bundle's OCI layout in
/// <c>import</c>. Sizes are bounded by the caller (signature manifests and payloads are small).
/// </summary>
public interface ISignatureSource
{
    /// <summary>A manifest's bytes by tag or digest, at most <paramref name="maxBytes"/>; null when there is none (or it is larger).</summary>
    ValueTask<ReadOnlyMemory<byte>?> GetManifestAsync(Reference reference, int maxBytes, CancellationToken cancellationToken);

    /// <summary>A blob's bytes, at most <paramref name="maxBytes"/>; null when there is none (or it is larger).</summary>
    ValueTask<ReadOnlyMemory<byte>?> GetBlobAsync(Digest digest, int maxBytes, CancellationToken cancellationToken);

    /// <summary>The manifests whose subject is <paramref name="subject"/> (OCI 1.1 referrers), with their artifact types.</summary>
    ValueTask<IReadOnlyList<Descriptor>> GetReferrersAsync(Digest subject, CancellationToken cancellationToken);
}
