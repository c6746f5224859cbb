using OciCache.Settings;

namespace OciCache.Upstream;

/// <summary>
/// How the cache talks to every upstream (<c>UpstreamPolicy</c> in configuration). The defaults keep a
/// cold request well inside containerd's fixed 30 s response-header timeout, and make an unreachable
/// upstream cost milliseconds once the breaker is open.
/// </summary>
public sealed record UpstreamPolicyOptions : ISettingsSection
{
    /// <summary>TCP and TLS connect, per attempt.</summary>
    [Duration("UpstreamPolicy")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>From sending a request to its response headers, per attempt (token fetches included).</summary>
    [Duration("UpstreamPolicy")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>All attempts of one request together, retries and backoff included.</summary>
    [Duration("UpstreamPolicy")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest wait for the next body bytes of a blob before the fetch is abandoned.</summary>
    [Duration("UpstreamPolicy")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Bytes per second a blob body must bring at least, measured over each <see cref="StallTimeout"/> of
    /// waiting on the upstream: a body that trickles slower is abandoned like a silent one.
    /// </summary>
    [AtLeast("UpstreamPolicy", 0)]
    public long MinBodyRate { get; set; } = 1024;

    /// <summary>
    /// The longest one page of a listing (tags, catalog, referrers) or a token answer may take, from the
    /// request to its last byte: a body that trickles in cannot hold a sync.
    /// </summary>
    [Duration("UpstreamPolicy")]
    public TimeSpan ListingTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries (with jitter) after connection failures and 5xx; never after a byte reached a client.</summary>
    [AtLeast("UpstreamPolicy", 0, Maximum = 10)]
    public int Retries { get; set; } = 2;

    /// <summary>How long an upstream that keeps failing is not contacted at all.</summary>
    [Duration("UpstreamPolicy")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Failures within the sampling window that open the breaker (with at least half of the requests failing).</summary>
    public int BreakAfterFailures { get; set; } = 3;
}
