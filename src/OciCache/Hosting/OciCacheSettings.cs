using OciCache.Auth;
using OciCache.Lifecycle;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Tls;
using OciCache.Sync;
using OciCache.Upstream;

namespace OciCache.Hosting;

/// <summary>
/// Every setting of <c>ocicache serve</c>, bound (by the configuration binder's source generator) from,
/// lowest to highest precedence: defaults in code, the JSON file given with <c>--config</c>, environment
/// variables prefixed <c>OCICACHE_</c> (<c>__</c> separates sections), and command-line flags.
/// </summary>
public sealed record OciCacheSettings
{
    /// <summary><c>HOST:PORT</c> to listen on; <c>0.0.0.0</c> or <c>*</c> for every interface, port 0 for any free port.</summary>
    public string Listen { get; set; } = "0.0.0.0:5000";

    /// <summary>The data folder (blobs, uploads, metadata database); created when missing.</summary>
    public string Data { get; set; } = "./data";

    public LogSettings Log { get; set; } = new();

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

    /// <summary>Caps on open chunked upload sessions.</summary>
    public UploadOptions Uploads { get; set; } = new();

    /// <summary>HTTPS on <see cref="Listen"/>: PEM certificate and key files, both or neither.</summary>
    public TlsSettings Tls { get; set; } = new();
    /// <summary>Access control: users, groups, policies, tokens, audit log. Null (no <c>Auth</c> section): off, anyone may push and delete.</summary>
    public AuthSettings? Auth { get; set; }

    /// <summary>The upstreams in effect: the configured ones, or the well-known four when none are.</summary>
    public IReadOnlyDictionary<string, UpstreamOptions> EffectiveUpstreams =>
        Upstreams.Count > 0 ? Upstreams : UpstreamOptions.Defaults();
}

public sealed record LogSettings
{
    /// <summary><c>text</c> (readable console lines) or <c>json</c> (compact JSON, one event a line).</summary>
    public string Format { get; set; } = "text";

    /// <summary>Minimum level: Verbose, Debug, Information, Warning, Error or Fatal. Information logs one line per request.</summary>
    public string Level { get; set; } = "Information";
}
