using OciCache.Observability;

namespace OciCache.Storage;

/// <summary>The one process of a single-node setup: always the leader (its <c>ocicache_cluster_leader</c> is 1).</summary>
public sealed class SingleNodeLeadership : ILeadership
{
    public SingleNodeLeadership(CacheMetrics metrics) =>
        metrics.Observe(ClusterLeaderMetric, () => [new(1)], ClusterLeaderDescription);

    /// <summary>The gauge both kinds of leadership publish (as <c>ocicache_cluster_leader</c>).</summary>
    internal const string ClusterLeaderMetric = "cluster_leader";

    internal const string ClusterLeaderDescription = "1 while this process holds the cluster's leader lease (runs eviction, GC, scrub, prefetch, sync and traffic history), else 0.";

    public bool IsLeader => true;
}
