using System.Diagnostics.Metrics;

namespace OciCache.Observability;

/// <summary>
/// The cache's instruments, on a System.Diagnostics.Metrics meter so the core does not depend on an
/// exporter; the host publishes the meter in Prometheus format on <c>/metrics</c>.
/// </summary>
public sealed class CacheMetrics : IDisposable
{
    public const string MeterName = "OciCache";

    private readonly Meter _meter = new(MeterName);

    public CacheMetrics()
    {
        Hits = _meter.CreateCounter<long>("ocicache.cache.hits", description: "Requests answered from the local store, by kind (blob, manifest).");
        Misses = _meter.CreateCounter<long>("ocicache.cache.misses", description: "Requests that needed the upstream, by kind.");
        StaleServed = _meter.CreateCounter<long>("ocicache.stale.served", description: "Cached tags served because the upstream could not revalidate them.");
        UpstreamRequests = _meter.CreateCounter<long>("ocicache.upstream.requests", description: "Requests to upstreams, by upstream, method and outcome.");
        UpstreamBytes = _meter.CreateCounter<long>("ocicache.upstream.bytes", unit: "By", description: "Blob bytes received from upstreams.");
        FillFailures = _meter.CreateCounter<long>("ocicache.fill.failures", description: "Blob fetches that did not publish, by reason.");
    }

    public Counter<long> Hits { get; }

    public Counter<long> Misses { get; }

    public Counter<long> StaleServed { get; }

    public Counter<long> UpstreamRequests { get; }

    public Counter<long> UpstreamBytes { get; }

    public Counter<long> FillFailures { get; }

    /// <summary>Registers a gauge read on every scrape.</summary>
    public void Observe(string name, Func<IEnumerable<Measurement<long>>> read, string description) =>
        _meter.CreateObservableGauge(name, read, description: description);

    public void Dispose() => _meter.Dispose();
}
