namespace OciCache.Storage;

/// <summary>
/// Whether this process is the one of its cluster that runs the cluster-wide jobs: eviction, garbage
/// collection, scrubbing, scheduled prefetch, sync jobs and the traffic history. Those jobs ask before each
/// round and skip the round when the answer is no, so a replica that loses leadership starts nothing new
/// (a round already running ends on its own).
/// </summary>
/// <remarks>
/// One process on its own data folder is always the leader (<see cref="SingleNodeLeadership"/>). Replicas
/// sharing a PostgreSQL database hold a lease in it, one at a time (<c>Storage/Postgres/PostgresLeadership</c>).
/// </remarks>
public interface ILeadership
{
    /// <summary>True while this process holds the lead; read before each round, it may change between reads.</summary>
    bool IsLeader { get; }
}
