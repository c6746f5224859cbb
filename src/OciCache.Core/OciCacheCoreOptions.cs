using OciCache.Lifecycle;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Sync;
using OciCache.Upstream;

namespace OciCache;

/// <summary>
/// What the core needs to run: its data folder, the upstreams it mirrors, and the option records of its
/// features (defaults in code, as each record states). The host binds and validates them; the core only
/// reads them.
/// </summary>
public sealed record OciCacheCoreOptions(string DataPath, IReadOnlyDictionary<string, UpstreamOptions> Upstreams)
{
    public PullThroughOptions Cache { get; init; } = new();

    public UpstreamPolicyOptions UpstreamPolicy { get; init; } = new();

    public StorageOptions Storage { get; init; } = new();

    public GarbageCollectionOptions GarbageCollection { get; init; } = new();

    public ScrubOptions Scrub { get; init; } = new();

    public PrefetchOptions Prefetch { get; init; } = new();

    public UploadOptions Uploads { get; init; } = new();

    public SyncOptions Sync { get; init; } = new();
}
