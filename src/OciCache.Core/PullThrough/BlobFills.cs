using Microsoft.Extensions.Logging;
using OciCache.Observability;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// Makes a request's <see cref="BlobFill"/> with its typed collaborators: the repository's upstream as the
/// source, inside the cluster's single fetch (<see cref="ClusterFills"/>), the content publisher, and an
/// observer that counts for the repository's upstream. <see cref="FillCoordinator"/> decides when one is made.
/// </summary>
internal sealed class BlobFills(
    IBlobStore store, ContentPublisher publisher, UpstreamClient upstreams, ClusterFills cluster, CacheMetrics metrics,
    PullThroughOptions options, UpstreamPolicyOptions policy, TimeProvider time, ILogger<BlobFill> logger)
{
    private readonly FillServices _services = new(store, publisher, options, policy, time, logger);

    /// <param name="expectedSize">The size a manifest states, when known: the fill is cut past it.</param>
    public BlobFill Create(Repository repository, Digest digest, long? expectedSize)
    {
        var source = cluster.SourceFor(digest, new UpstreamBlobSource(upstreams, repository, digest));
        var observer = new UpstreamFillObserver(metrics, repository.Upstream, logger);
        return new BlobFill(digest, expectedSize, repository, source, observer, _services);
    }
}
