using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OciCache.PullThrough;
using OciCache.Storage;
using OciCache.Storage.Postgres;

namespace OciCache;

public static class ClusterServices
{
    /// <summary>
    /// Fill leases on PostgreSQL (table <c>fill_leases</c>), for replicas sharing a metadata database: one
    /// replica fetches each cold blob, the others follow it. Replaces the single-node default whether called
    /// before or after <c>AddOciCacheCore</c>; needs a <c>PostgresDatabase</c> registered and
    /// <c>Cluster:AdvertiseUrl</c> set.
    /// </summary>
    public static IServiceCollection AddPostgresFillLeases(this IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<IFillLeases>(sp =>
        {
            var cluster = sp.GetRequiredService<ClusterOptions>();
            var url = cluster.AdvertiseUrl is { Length: > 0 } advertised
                ? advertised
                : throw new InvalidOperationException("Cluster:AdvertiseUrl is required for fill leases on PostgreSQL.");
            return new PostgresFillLeases(sp.GetRequiredService<PostgresDatabase>(), FillLeaseHolder.Create(url), cluster.LeaseTimeout, sp.GetRequiredService<TimeProvider>());
        }));
}
