using System.Diagnostics.Metrics;

namespace OciCache.Observability;

/// <summary>
/// The cache's instruments, on a System.Diagnostics.Metrics meter so the core does not depend on an
/// exporter; the host publishes it in Prometheus format on <c>/metrics</c> as <c>ocicache_&lt;name&gt;</c>.
/// Counts are tallied here and published as observable counters, read at each scrape: nothing runs per
/// increment but an interlocked add, and any exporter that polls (prometheus-net's does) sees them.
/// </summary>
public sealed class CacheMetrics : IDisposable
{
    public const string MeterName = "ocicache";

    private readonly Meter _meter = new(MeterName);

    public CacheMetrics()
    {
        Hits = Tally("cache_hits", "Requests answered from the local store, by kind (blob, manifest).");
        Misses = Tally("cache_misses", "Requests that needed the upstream, by kind.");
        StaleServed = Tally("stale_served", "Cached tags served because the upstream could not revalidate them.");
        UpstreamRequests = Tally("upstream_requests", "Requests to upstreams, by upstream, method and outcome.");
        UpstreamBytes = Tally("upstream_bytes", "Blob bytes received from upstreams.", unit: "By");
        FillFailures = Tally("fill_failures", "Blob fetches that did not publish, by reason.");
    }

    public TallyCounter Hits { get; }

    public TallyCounter Misses { get; }

    public TallyCounter StaleServed { get; }

    public TallyCounter UpstreamRequests { get; }

    public TallyCounter UpstreamBytes { get; }

    public TallyCounter FillFailures { get; }

    /// <summary>Registers a gauge read on every scrape.</summary>
    public void Observe(string name, Func<IEnumerable<Measurement<long>>> read, string description) =>
        _meter.CreateObservableGauge(name, read, description: description);

    public void Dispose() => _meter.Dispose();

    private TallyCounter Tally(string name, string description, string? unit = null)
    {
        var counter = new TallyCounter();
        _meter.CreateObservableCounter(name, counter.Read, unit, description);
        return counter;
    }
}

/// <summary>A monotonic count per combination of tag values.</summary>
public sealed class TallyCounter
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Entry> _entries = new();

    public void Add(long value, params KeyValuePair<string, object?>[] tags)
    {
        var key = tags.Length == 0 ? "" : string.Join('\u001f', tags.Select(t => $"{t.Key}={t.Value}"));
        var entry = _entries.GetOrAdd(key, static (_, t) => new Entry(t), tags);
        Interlocked.Add(ref entry.Count, value);
    }

    internal IEnumerable<Measurement<long>> Read() =>
        _entries.Values.Select(e => new Measurement<long>(Interlocked.Read(ref e.Count), e.Tags)).ToList();

    private sealed class Entry(KeyValuePair<string, object?>[] tags)
    {
        public long Count;

        public KeyValuePair<string, object?>[] Tags { get; } = tags;
    }
}
