using OciCache.Lifecycle;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Settings;
using OciCache.Storage;
using OciCache.Sync;
using OciCache.Trust;
using OciCache.Upstream;

namespace OciCache;

/// <summary>
/// The core's part of the settings tree: its data folder, the upstreams it mirrors, and one section per
/// feature, each described once by its own options record (defaults in code, checks beside it). The host's
/// <c>OciCacheSettings</c> extends this record with its own sections (Listen, Log, Tls, Auth), and the
/// configuration binder fills both in one pass; <see cref="OciCacheCoreServices.AddOciCacheCore(Microsoft.Extensions.DependencyInjection.IServiceCollection, OciCacheCoreOptions)"/>
/// registers every section for validation at start.
/// </summary>
public record OciCacheCoreOptions : ISettingsSection
{
    /// <summary>The data folder (blobs, uploads, metadata database); created when missing.</summary>
    public string Data { get; set; } = "./data";

    /// <summary>Mirrored registries by name. Empty means the defaults of <see cref="UpstreamOptions.Defaults"/>.</summary>
    public Dictionary<string, UpstreamOptions> Upstreams { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Freshness and staleness of mirror content, and what happens to fetches nobody waits for.</summary>
    public PullThroughOptions Cache { get; set; } = new();

    /// <summary>Timeouts, retries and the circuit breaker used for every upstream.</summary>
    public UpstreamPolicyOptions UpstreamPolicy { get; set; } = new();

    /// <summary>The disk budget of cached content, eviction and pins.</summary>
    public StorageOptions Storage { get; set; } = new();

    public GarbageCollectionOptions GarbageCollection { get; set; } = new();

    public ScrubOptions Scrub { get; set; } = new();

    public PrefetchOptions Prefetch { get; set; } = new();

    /// <summary>Whole namespaces copied from upstreams on a schedule.</summary>
    public SyncOptions Sync { get; set; } = new();

    /// <summary>Where metadata lives: SQLite in the data folder (default) or a shared PostgreSQL database.</summary>
    public MetadataOptions Metadata { get; set; } = new();

    /// <summary>Caps on open chunked upload sessions.</summary>
    public UploadOptions Uploads { get; set; } = new();

    /// <summary>Replicas sharing one metadata database: who fetches a cold blob, and how the others follow.</summary>
    public ClusterOptions Cluster { get; set; } = new();

    /// <summary>Signature policies: which repositories serve only images signed by which keys.</summary>
    public TrustOptions Trust { get; set; } = new();

    /// <summary>The upstreams in effect: the configured ones, or the well-known four when none are.</summary>
    public IReadOnlyDictionary<string, UpstreamOptions> EffectiveUpstreams =>
        Upstreams.Count > 0 ? Upstreams : UpstreamOptions.Defaults();
}
