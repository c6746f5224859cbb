using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OciCache.Storage.Postgres;

/// <summary>
/// Registers the PostgreSQL metadata backend (<c>Metadata:Backend=postgres</c>): the database with its pool,
/// the migration at start, and the PostgreSQL implementation of every role store. Called before the SQLite
/// defaults are added, which then find their roles taken (<c>TryAdd</c>).
/// </summary>
internal static class PostgresServices
{
    /// <param name="leaseTimeout">How long the leader lease lasts unrenewed (<c>Cluster:LeaseTimeout</c>).</param>
    public static IServiceCollection AddPostgresMetadata(this IServiceCollection services, PostgresMetadataOptions options, TimeSpan leaseTimeout)
    {
        services.TryAddSingleton(sp => new PostgresDatabase(
            options.Resolve() ?? throw new InvalidOperationException("Metadata:Postgres:ConnectionString is not set."),
            sp.GetRequiredService<ILogger<PostgresDatabase>>()));

        // First of all hosted services: nothing may read or write before the schema is current.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgresMigrator>());

        services.TryAddSingleton<IMetadataHealth, PostgresHealth>();

        // Role stores on PostgreSQL
        services.TryAddSingleton<IRobotStore, PostgresRobotStore>();
        services.TryAddSingleton<IApiKeyStore, PostgresApiKeyStore>();
        services.TryAddSingleton<IPinStore, PostgresPinStore>();
        services.TryAddSingleton<IPullCounts, PostgresPullCounts>();

        // Metadata roles on PostgreSQL: one index; the roles CachedMetadataIndex answers go through it, with
        // the lifetimes of a database replicas share (tags, links and misses a second; see CachedMetadataIndex).
        services.TryAddSingleton<PostgresMetadataIndex>();
        services.TryAddSingleton(sp =>
        {
            var index = sp.GetRequiredService<PostgresMetadataIndex>();
            return new CachedMetadataIndex(index, index, index, index, sp.GetRequiredService<IMemoryCache>(), CachedMetadataIndex.SharedDatabase);
        });
        services.TryAddSingleton<IUploadIndex>(sp => sp.GetRequiredService<PostgresMetadataIndex>());
        services.TryAddSingleton<IConsoleQueries, PostgresConsoleQueries>();

        // Fill leases on PostgreSQL: with Cluster:AdvertiseUrl (a FillLeaseHolder), one replica fetches each cold blob
        // and the others follow it; without, this replica is on its own.
        services.TryAddSingleton<IFillLeases>(sp => sp.GetService<FillLeaseHolder>() is { } holder
            ? new PostgresFillLeases(sp.GetRequiredService<PostgresDatabase>(), holder, sp.GetRequiredService<TimeProvider>())
            : new LocalFillLeases());

        // Cluster state on PostgreSQL
        services.AddPostgresClusterState(leaseTimeout);

        // Sessions on PostgreSQL
        services.AddPostgresSessions();
        return services;
    }
}
