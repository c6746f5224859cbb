using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OciCache.Auth;
using OciCache.Observability;
using OciCache.Storage;
using OciCache.Storage.Postgres;

namespace OciCache;

/// <summary>
/// The state replicas on one PostgreSQL database share besides the metadata: who leads the cluster-wide jobs,
/// the token signing key, and the audit events.
/// <code>
/// ILeadership      SingleNodeLeadership (always)       ─▶ PostgresLeadership: the cluster_leader lease, a hosted service
/// ITokenKeySource  token-key.pem in the data folder    ─▶ SharedTokenKeySource over cluster_secrets
/// IAuditLog        audit.log                           ─▶ audit.log and the audit_events table (AuditFanOut)
/// IAuditHistory    (none: the console reads audit.log) ─▶ StoredAuditLog, read from audit_events
/// </code>
/// </summary>
internal static class ClusterStateServices
{
    /// <summary>
    /// Registers the PostgreSQL forms; call it before <see cref="OciCacheCoreServices.AddOciCacheCore(IServiceCollection, OciCacheCoreOptions)"/>
    /// and <see cref="AuthStoreServices.AddOciCacheAuthStores"/> add their single-node defaults (every registration
    /// here and there is a <c>TryAdd</c>). Needs the <see cref="PostgresDatabase"/> singleton, migrated (version 4).
    /// </summary>
    /// <param name="leaseTimeout">How long the leader lease lasts unrenewed (<c>Cluster:LeaseTimeout</c>); renewed every third of it.</param>
    public static IServiceCollection AddPostgresClusterState(this IServiceCollection services, TimeSpan? leaseTimeout = null)
    {
        services.TryAddSingleton(sp => new PostgresLeadership(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<CacheMetrics>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresLeadership>>(), leaseTimeout ?? PostgresLeadership.DefaultLeaseTimeout));
        services.TryAddSingleton<ILeadership>(sp => sp.GetRequiredService<PostgresLeadership>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresLeadership>());

        services.TryAddSingleton<IClusterSecrets>(sp => new PostgresClusterSecrets(sp.GetRequiredService<PostgresDatabase>()));
        services.TryAddSingleton<ITokenKeySource>(sp => new SharedTokenKeySource(sp.GetRequiredService<IClusterSecrets>()));

        services.TryAddSingleton<IAuditStore>(sp => new PostgresAuditStore(sp.GetRequiredService<PostgresDatabase>()));
        services.TryAddSingleton(sp => new StoredAuditLog(sp.GetRequiredService<IAuditStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<StoredAuditLog>>()));
        services.TryAddSingleton<IAuditHistory>(sp => sp.GetRequiredService<StoredAuditLog>());
        // audit.log goes on beside the table: operators tail it, and it keeps the events while the database is away.
        services.TryAddSingleton<IAuditLog>(sp => new AuditFanOut([sp.GetRequiredService<JsonLinesAuditLog>(), sp.GetRequiredService<StoredAuditLog>()]));
        return services;
    }
}
