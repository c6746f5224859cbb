using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OciCache.Lifecycle;
using OciCache.Observability;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Storage.Postgres;
using OciCache.Storage.S3;
using OciCache.Transfer;
using OciCache.Sync;
using OciCache.Trust;
using OciCache.Upstream;

namespace OciCache;

public static class OciCacheCoreServices
{
    /// <summary>
    /// Registers the registry core with its settings bound from <paramref name="configuration"/> (the keys of
    /// <see cref="OciCacheCoreOptions"/>, section by section, by the configuration binder's source generator);
    /// see <see cref="AddOciCacheCore(IServiceCollection, OciCacheCoreOptions)"/>.
    /// </summary>
    public static IServiceCollection AddOciCacheCore(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new OciCacheCoreOptions();
        configuration.Bind(options);
        return services.AddOciCacheCore(options);
    }

    /// <summary>
    /// Registers the registry core: the store and metadata index under <see cref="OciCacheCoreOptions.Data"/>,
    /// the local registry, the upstream client, the pull-through reader (as <see cref="IContentReader"/>) and
    /// the lifecycle service. Everything is added with <c>TryAdd</c>: a registration made before this call wins,
    /// so a test can supply its own <see cref="TimeProvider"/> or store. The data folder is created when the
    /// first service that needs it is resolved, not here. Each section of <paramref name="options"/> is
    /// registered with the checks beside its record and validated at start (<c>ValidateOnStart</c>).
    /// </summary>
    public static IServiceCollection AddOciCacheCore(this IServiceCollection services, OciCacheCoreOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMemoryCache(o => o.SizeLimit = 20_000);
        services.AddCoreSettings(options);
        var upstreams = options.EffectiveUpstreams;

        // Storage; with Metadata:Backend=postgres the PostgreSQL stores take their roles first.
        if (options.Metadata.IsPostgres)
        {
            services.AddPostgresMetadata(options.Metadata.Postgres, options.Cluster.LeaseTimeout);
        }

        services.TryAddSingleton(_ =>
        {
            var layout = new DataLayout(options.Data);
            layout.EnsureCreated();
            return layout;
        });
        if (options.Storage.Backend == StorageBackend.S3)
        {
            // Blobs in the bucket; the data folder keeps spool files (and FreeBytes is the spool volume's).
            services.TryAddSingleton(sp =>
            {
                var s3 = new S3BlobStore(options.Storage.S3, sp.GetRequiredService<DataLayout>(), sp.GetRequiredService<TimeProvider>());
                s3.EnsureBucketAsync().GetAwaiter().GetResult(); // once, when the first service needs the store (at start)
                return s3;
            });
            services.TryAddSingleton<IBlobStore>(sp => sp.GetRequiredService<S3BlobStore>());
            services.TryAddSingleton<IBlobRedirects>(sp => sp.GetRequiredService<S3BlobStore>());
        }

        services.TryAddSingleton<IBlobStore, FileBlobStore>();
        services.TryAddSingleton<IStorageVolume, DataVolume>();
        services.TryAddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<DataLayout>().Database));
        services.TryAddSingleton<DatabaseFile>();
        services.TryAddSingleton<IMetadataHealth>(sp => sp.GetRequiredService<DatabaseFile>());
        // One SQLite index behind every metadata role; the roles it caches are answered through one decorator.
        services.TryAddSingleton<SqliteMetadataIndex>();
        services.TryAddSingleton(sp =>
        {
            var sqlite = sp.GetRequiredService<SqliteMetadataIndex>();
            return new CachedMetadataIndex(sqlite, sqlite, sqlite, sqlite, sp.GetRequiredService<IMemoryCache>());
        });
        services.TryAddSingleton<IBlobIndex>(sp => sp.GetRequiredService<CachedMetadataIndex>());
        services.TryAddSingleton<IManifestIndex>(sp => sp.GetRequiredService<CachedMetadataIndex>());
        services.TryAddSingleton<IEvictionIndex>(sp => sp.GetRequiredService<CachedMetadataIndex>());
        services.TryAddSingleton<IRepositoryCatalog>(sp => sp.GetRequiredService<CachedMetadataIndex>());
        services.TryAddSingleton<IUploadIndex>(sp => sp.GetRequiredService<SqliteMetadataIndex>());
        services.TryAddSingleton<AccessTracker>();
        services.TryAddSingleton<EvictionSignal>();
        services.TryAddSingleton<StoreVerifier>();
        services.TryAddSingleton<IRobotStore, SqliteRobotStore>();
        services.TryAddSingleton<IApiKeyStore, SqliteApiKeyStore>();
        services.TryAddSingleton<IPinStore, SqlitePinStore>();
        services.TryAddSingleton<IPullCounts, SqlitePullCounts>();
        services.TryAddSingleton<IConsoleQueries, SqliteConsoleQueries>();
        services.TryAddSingleton<ILeadership, SingleNodeLeadership>(); // one process: always the leader

        // Registry
        services.TryAddSingleton(_ => new RepositoryRouter(upstreams.Select(u => (u.Key, (IEnumerable<string>)u.Value.Aliases))));
        services.TryAddSingleton<LocalContentReader>();
        services.TryAddSingleton<ContentPublisher>();
        services.TryAddSingleton<ImmutableTags>();
        services.TryAddSingleton(sp => new QuotaGuard(options.Quotas, sp.GetRequiredService<IBlobIndex>(),
            sp.GetRequiredService<CacheMetrics>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ManifestWriter>();
        services.TryAddSingleton<UploadService>();

        // Upstream
        services.TryAddSingleton<CacheMetrics>();
        services.TryAddSingleton<TrafficHistory>();
        services.TryAddSingleton<TokenCache>();
        services.TryAddSingleton(new OfflineSwitch(options.Cache.Offline));
        services.TryAddSingleton(_ => new UpstreamRules(upstreams));
        services.TryAddSingleton(sp => new UpstreamClient(upstreams, sp.GetRequiredService<UpstreamPolicyOptions>(),
            sp.GetRequiredService<TokenCache>(), sp.GetRequiredService<CacheMetrics>(), sp.GetRequiredService<OfflineSwitch>(),
            sp.GetRequiredService<ILogger<UpstreamClient>>(), sp.GetRequiredService<TimeProvider>()));

        // Pull-through
        if (options.Cluster.AdvertiseUrl is { Length: > 0 } advertised)
        {
            services.TryAddSingleton(FillLeaseHolder.Create(advertised, options.Cluster.LeaseTimeout));
        }

        services.TryAddSingleton<IFillLeases, LocalFillLeases>(); // one node; Metadata:Backend=postgres registers its own first
        services.TryAddSingleton(sp => new ClusterSecret(sp.GetRequiredService<ClusterOptions>()));
        services.TryAddSingleton(sp => new PeerClient(sp.GetRequiredService<ClusterSecret>(), sp.GetRequiredService<UpstreamPolicyOptions>()));
        services.TryAddSingleton<ClusterFills>();
        services.TryAddSingleton<BlobFills>();
        services.TryAddSingleton<FillCoordinator>();
        services.TryAddSingleton<IRunningFills>(static p => p.GetRequiredService<FillCoordinator>());
        services.TryAddSingleton<MirrorManifests>();
        services.TryAddSingleton<IContentReader, PullThroughContentReader>();

        // Trust (signature policies): the policy reads signatures through the pull-through reader
        services.TryAddSingleton<TrustMetrics>();
        services.TryAddSingleton<TrustKeyring>();
        services.TryAddSingleton<IUpstreamReferrers, UpstreamTrustReferrers>();
        services.TryAddSingleton<ITrustPolicy>(sp => new TrustPolicy(
            sp.GetRequiredService<TrustKeyring>(), sp.GetRequiredService<TrustOptions>(), sp.GetRequiredService<IContentReader>(),
            sp.GetRequiredService<IBlobStore>(), sp.GetRequiredService<IManifestIndex>(), sp.GetRequiredService<TrustMetrics>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TrustPolicy>>(), sp.GetService<IUpstreamReferrers>()));

        // Lifecycle
        services.TryAddSingleton<RuntimePins>();
        services.TryAddSingleton<EvictionLog>();
        services.TryAddSingleton<PullCounter>();
        services.TryAddSingleton<CacheEvictor>();
        services.TryAddSingleton<PrefetchRuns>();
        services.TryAddSingleton<GarbageCollector>();
        services.TryAddSingleton<Scrubber>();
        services.TryAddSingleton<ImageTrust>();
        services.TryAddSingleton<ImageCopier>();
        services.TryAddSingleton<Prefetcher>();
        // Taken by the background loops only when there is work for them (a prefetch list, sync jobs): they hold
        // the pull-through reader, the upstream clients and the trust policy, which an idle server does not need.
        // PublicationOnly: the container builds each singleton once, and a failure is not kept as the answer.
        services.TryAddSingleton(static sp => new Lazy<PrefetchRuns>(sp.GetRequiredService<PrefetchRuns>, LazyThreadSafetyMode.PublicationOnly));

        // Transfer (export and import, from and to the store only)
        services.TryAddSingleton<Exporter>();
        services.TryAddSingleton<Importer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StartupCleanup>()); // first: hosted services start in order
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LifecycleService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TrafficHistoryService>());

        // Sync
        services.TryAddSingleton<SyncMetrics>();
        services.TryAddSingleton<SyncRunner>();
        services.TryAddSingleton(static sp => new Lazy<SyncRunner>(sp.GetRequiredService<SyncRunner>, LazyThreadSafetyMode.PublicationOnly));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SyncService>());
        return services;
    }
}
