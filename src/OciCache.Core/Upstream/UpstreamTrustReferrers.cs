using OciCache.Oci;
using OciCache.Trust;

namespace OciCache.Upstream;

/// <summary>
/// A signature check's view of a mirror's upstream referrers (<see cref="IUpstreamReferrers"/>): one page of the
/// upstream's referrers API. Offline, for a repository the upstream rules refuse, or when the upstream cannot
/// answer, none: the check goes on with what the store holds.
/// </summary>
internal sealed class UpstreamTrustReferrers(UpstreamClient client, UpstreamRules rules, OfflineSwitch offline) : IUpstreamReferrers
{
    public async ValueTask<IReadOnlyList<Digest>> ListAsync(Repository repository, Digest subject, CancellationToken cancellationToken)
    {
        if (!repository.IsMirror || offline.IsOn || rules.Check(repository, null) is not null)
        {
            return [];
        }

        var listed = await client.ListReferrersAsync(repository, subject, maxPages: 1, cancellationToken);
        return listed.Referrers;
    }
}
