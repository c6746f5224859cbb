using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.PullThrough;

/// <summary>
/// Makes each new fill's <see cref="ClusterBlobSource"/> around its upstream source. On a single node the
/// leases are <see cref="LocalFillLeases"/>: always granted, never renewed, so the upstream is asked as before.
/// </summary>
internal sealed class ClusterFills(IFillLeases leases, PeerClient peers, ClusterOptions options, TimeProvider time, ILogger<ClusterFills> logger)
{
    public IBlobSource SourceFor(Digest digest, IBlobSource upstream) =>
        new ClusterBlobSource(leases, peers, digest, upstream, options.LeaseTimeout, time, logger);
}
