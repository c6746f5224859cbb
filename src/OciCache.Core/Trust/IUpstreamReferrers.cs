using OciCache.Oci;

namespace OciCache.Trust;

/// <summary>
/// The referrers a mirror repository's upstream lists for a subject (OCI 1.1 referrers API). Trust sits below
/// Upstream, so the upstream side implements this; without it (or offline, or when the upstream cannot
/// answer) a check sees the referrers the store holds.
/// </summary>
public interface IUpstreamReferrers
{
    /// <summary>The referrers' digests; empty when the upstream has none, cannot answer or is not contacted.</summary>
    ValueTask<IReadOnlyList<Digest>> ListAsync(Repository repository, Digest subject, CancellationToken cancellationToken);
}
