using OciCache.Oci;
using OciCache.Settings;

namespace OciCache.PullThrough;

/// <summary>How mirror content is kept fresh and served (<c>Cache</c> in configuration).</summary>
public sealed record PullThroughOptions : ISettingsSection
{
    /// <summary>A cached tag is revalidated with an upstream HEAD at most this often.</summary>
    [Duration("Cache", AllowZero = true)]
    public TimeSpan TagRevalidateInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Contact no upstream (the start value of <see cref="Upstream.OfflineSwitch"/>).</summary>
    public bool Offline { get; set; }

    /// <summary>
    /// How long a request for a tag due for revalidation waits for the upstream's answer. When it takes
    /// longer (a dark or congested WAN), the request is served the cached copy (with a <c>Warning</c>
    /// header) and the revalidation finishes in the background, so a slow upstream costs a node at most
    /// this, not a connect timeout per tag.
    /// </summary>
    [Duration("Cache", AllowZero = true)]
    public TimeSpan RevalidateWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// While its upstream is unreachable, rate-limiting or failing, a cached tag is served for at most this
    /// long after it was last confirmed (with a <c>Warning</c> header).
    /// </summary>
    [Duration("Cache", AllowZero = true)]
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromDays(30);

    /// <summary>What to do when the upstream says a cached tag no longer exists.</summary>
    public UpstreamNotFoundPolicy OnUpstreamNotFound { get; set; } = UpstreamNotFoundPolicy.ServeCached;

    /// <summary>An upstream 404 is remembered this long, so repeated misses do not reach the upstream.</summary>
    [Duration("Cache", AllowZero = true)]
    public TimeSpan NegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Keep fetching a blob into the cache after every client that asked for it went away.</summary>
    public bool CompleteOrphanedFills { get; set; } = true;

    /// <summary>How long a fetch nobody waits for may still run.</summary>
    [Duration("Cache")]
    public TimeSpan OrphanedFillTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The most bytes a blob fetch takes when its size is not known (neither a manifest's descriptor nor the
    /// upstream's Content-Length says it): past it the fetch fails and nothing is kept. A known size bounds
    /// the fetch at that size instead.
    /// </summary>
    [AtLeast("Cache", 1)]
    public long MaxBlobBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>
    /// The bytes that manifests being fetched from upstreams may take at once (each counts its
    /// Content-Length, or the 4 MiB manifest limit without one). A fetch past it is refused with 503 and
    /// <c>Retry-After</c>; cached manifests are served regardless. At least 4 MiB.
    /// </summary>
    [AtLeast("Cache", ManifestDocument.MaxSize, Reason = "one manifest of the largest size")]
    public long ManifestBytesInFlight { get; set; } = 32L * 1024 * 1024;
}

public enum UpstreamNotFoundPolicy
{
    /// <summary>Keep serving the cached copy and log that the upstream lost it.</summary>
    ServeCached,

    /// <summary>Forget the tag and answer 404, as the upstream does.</summary>
    NotFound,
}
