using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OciCache.Observability;

namespace OciCache.Storage.Postgres;

/// <summary>
/// Registers the state replicas on one PostgreSQL database share besides the metadata (migration 4). The
/// storage parts are registered here; access control picks the shared forms built on them
/// (<c>Auth/AuthStoreServices</c>: when an <see cref="IClusterSecrets"/> and an <see cref="IAuditStore"/> are
/// registered, it registers them instead of the single-node ones).
/// <code>
///                  one process                          replicas on PostgreSQL
/// ILeadership      SingleNodeLeadership (always)        PostgresLeadership: the cluster_leader lease, a hosted service
/// ITokenKeySource  token-key.pem in the data folder     SharedTokenKeySource over cluster_secrets
/// IAuditLog        audit.log                            audit.log and the audit_events table (AuditFanOut)
/// IAuditHistory    (none: the console reads audit.log)  StoredAuditLog, reading audit_events
/// </code>
/// </summary>
internal static class PostgresClusterState
{
    /// <param name="leaseTimeout">How long the leader lease lasts unrenewed (<c>Cluster:LeaseTimeout</c>); renewed every third of it.</param>
    public static IServiceCollection AddPostgresClusterState(this IServiceCollection services, TimeSpan? leaseTimeout = null)
    {
        services.TryAddSingleton(sp => new PostgresLeadership(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<CacheMetrics>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresLeadership>>(), leaseTimeout ?? PostgresLeadership.DefaultLeaseTimeout));
        services.TryAddSingleton<ILeadership>(sp => sp.GetRequiredService<PostgresLeadership>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresLeadership>()); // after the migrator, registered first
        services.TryAddSingleton<IClusterSecrets>(sp => new PostgresClusterSecrets(sp.GetRequiredService<PostgresDatabase>()));
        services.TryAddSingleton<IAuditStore>(sp => new PostgresAuditStore(sp.GetRequiredService<PostgresDatabase>()));
        return services;
    }
}
