using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OciCache.Lifecycle;
using OciCache.Observability;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Transfer;
using OciCache.Sync;
using OciCache.Upstream;

namespace OciCache;

public static class OciCacheCoreServices
{
    /// <summary>
    /// Registers the registry core: the store and metadata index under <see cref="OciCacheCoreOptions.DataPath"/>,
    /// the local registry, the upstream client, the pull-through reader (as <see cref="IContentReader"/>) and
    /// the lifecycle service. Everything is added with <c>TryAdd</c>: a registration made before this call wins,
    /// so a test can supply its own <see cref="TimeProvider"/> or store. The data folder is created when the
    /// first service that needs it is resolved, not here.
    /// </summary>
    public static IServiceCollection AddOciCacheCore(this IServiceCollection services, OciCacheCoreOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMemoryCache(o => o.SizeLimit = 20_000);
        services.TryAddSingleton(options.Cache);
        services.TryAddSingleton(options.UpstreamPolicy);
        services.TryAddSingleton(options.Storage);
        services.TryAddSingleton(options.GarbageCollection);
        services.TryAddSingleton(options.Scrub);
        services.TryAddSingleton(options.Prefetch);
        services.TryAddSingleton(options.Uploads);
        services.TryAddSingleton(options.Sync);

        // Storage
        services.TryAddSingleton(_ =>
        {
            var layout = new DataLayout(options.DataPath);
            layout.EnsureCreated();
            return layout;
        });
        services.TryAddSingleton<IBlobStore, FileBlobStore>();
        services.TryAddSingleton<IStorageVolume, DataVolume>();
        services.TryAddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<DataLayout>().Database));
        services.TryAddSingleton<DatabaseFile>();
        services.TryAddSingleton<SqliteMetadataIndex>();
        services.TryAddSingleton<IMetadataIndex>(sp => new CachedMetadataIndex(
            sp.GetRequiredService<SqliteMetadataIndex>(), sp.GetRequiredService<IMemoryCache>()));
        services.TryAddSingleton<AccessTracker>();
        services.TryAddSingleton<EvictionSignal>();
        services.TryAddSingleton<StoreVerifier>();

        // Registry
        services.TryAddSingleton(new RepositoryRouter(options.Upstreams.Select(u => (u.Key, (IEnumerable<string>)u.Value.Aliases))));
        services.TryAddSingleton<LocalContentReader>();
        services.TryAddSingleton<ContentPublisher>();
        services.TryAddSingleton<ManifestWriter>();
        services.TryAddSingleton<UploadService>();

        // Upstream
        services.TryAddSingleton<CacheMetrics>();
        services.TryAddSingleton<TrafficHistory>();
        services.TryAddSingleton<TokenCache>();
        services.TryAddSingleton(new OfflineSwitch(options.Cache.Offline));
        services.TryAddSingleton(new UpstreamRules(options.Upstreams));
        services.TryAddSingleton(sp => new UpstreamClient(options.Upstreams, sp.GetRequiredService<UpstreamPolicyOptions>(),
            sp.GetRequiredService<TokenCache>(), sp.GetRequiredService<CacheMetrics>(), sp.GetRequiredService<OfflineSwitch>(),
            sp.GetRequiredService<ILogger<UpstreamClient>>(), sp.GetRequiredService<TimeProvider>()));

        // Pull-through
        services.TryAddSingleton<FillCoordinator>();
        services.TryAddSingleton<MirrorManifests>();
        services.TryAddSingleton<IContentReader, PullThroughContentReader>();

        // Lifecycle
        services.TryAddSingleton<RuntimePins>();
        services.TryAddSingleton<EvictionLog>();
        services.TryAddSingleton<PullCounter>();
        services.TryAddSingleton<CacheEvictor>();
        services.TryAddSingleton<PrefetchRuns>();
        services.TryAddSingleton<GarbageCollector>();
        services.TryAddSingleton<Scrubber>();
        services.TryAddSingleton<ImageCopier>();
        services.TryAddSingleton<Prefetcher>();

        // Transfer (export and import, from and to the store only)
        services.TryAddSingleton<Exporter>();
        services.TryAddSingleton<Importer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StartupCleanup>()); // first: hosted services start in order
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LifecycleService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TrafficHistoryService>());

        // Sync
        services.TryAddSingleton<SyncMetrics>();
        services.TryAddSingleton<SyncRunner>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SyncService>());
        return services;
    }
}
