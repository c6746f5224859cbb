using OciCache.Observability;
using OciCache.PullThrough;
using OciCache.Settings;
using OciCache.Telemetry;
using OciCache.Upstream;

namespace OciCache.WebConsole;

/// <summary>
/// What the Overview shows: the server (version, uptime, certificate expiry, access control, offline switch),
/// each upstream's health and savings, and the fills in flight.
/// </summary>
internal sealed record OverviewData(bool Offline, bool AccessControl, IReadOnlyList<UpstreamStatus> Upstreams, IReadOnlyList<FillStatus> Fills)
{
    public string Version { get; init; } = ServerInfo.Version;

    public DateTimeOffset StartedAt { get; init; }

    public TimeSpan Uptime { get; init; }

    /// <summary>When the served TLS certificate expires; null over plain HTTP.</summary>
    public DateTimeOffset? CertificateNotAfter { get; init; }

    public static OverviewData Read(IServiceProvider services)
    {
        var metrics = services.GetRequiredService<CacheMetrics>();
        var hits = SumByUpstream(metrics.Hits);
        var misses = SumByUpstream(metrics.Misses);
        var served = SumByUpstream(metrics.ServedBytes);
        var fetched = SumByUpstream(metrics.UpstreamBytes);
        var requests = SumByUpstream(metrics.UpstreamRequests);
        var upstreams = services.GetRequiredService<UpstreamClient>().Endpoints.Select(e =>
        {
            var health = e.Health.Snapshot();
            return new UpstreamStatus(e.Name, UrlRedaction.Redact(e.BaseUri.ToString()), health.State(e.IsBroken), health,
                e.RateLimit.Remaining, e.RateLimit.Limit, e.RateLimit.Window,
                hits.GetValueOrDefault(e.Name), misses.GetValueOrDefault(e.Name), requests.GetValueOrDefault(e.Name),
                served.GetValueOrDefault(e.Name), fetched.GetValueOrDefault(e.Name));
        }).ToList();
        var fills = services.GetRequiredService<IRunningFills>().Snapshot()
            .Select(f => new FillStatus(f.Digest.ToString(), f.Repository, f.Phase, f.Received, f.Length))
            .OrderBy(f => f.Digest, StringComparer.Ordinal).ToList();
        var info = services.GetRequiredService<ServerInfo>();
        return new OverviewData(services.GetRequiredService<OfflineSwitch>().IsOn,
            services.GetRequiredService<Access.AccessControl>().Enabled, upstreams, fills)
        {
            StartedAt = info.StartedAt,
            Uptime = info.Uptime,
            CertificateNotAfter = services.GetService<Tls.ServerCertificate>() is { } certificate
                ? new DateTimeOffset(certificate.Current.Leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero)
                : null,
        };
    }

    private static Dictionary<string, long> SumByUpstream(TallyCounter counter)
    {
        var index = counter.LabelNames.ToList().IndexOf("upstream");
        return counter.Snapshot().GroupBy(s => s.Labels[index], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(s => s.Count), StringComparer.Ordinal);
    }
}

/// <summary>One upstream on the Overview. <see cref="State"/>: <c>reachable</c>, <c>degraded</c> or <c>down</c>.</summary>
internal sealed record UpstreamStatus(
    string Name, string Url, string State, UpstreamHealthSnapshot Health, long? RateLimitRemaining, long? RateLimitLimit, TimeSpan? RateLimitWindow,
    long Hits, long Misses, long Requests, long ServedBytes, long FetchedBytes)
{
    /// <summary>Hits over hits and misses since the start (null before any).</summary>
    public double? HitRatio => Hits + Misses == 0 ? null : (double)Hits / (Hits + Misses);
}

/// <summary>A blob fetch in flight: bytes received of its length (when the upstream said it).</summary>
internal sealed record FillStatus(string Digest, string? Repository, string Phase, long Received, long? Length);
