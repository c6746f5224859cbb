using System.Diagnostics.Metrics;

namespace OciCache.Observability;

/// <summary>
/// The cache's instruments. Counts are tallied here (nothing runs per increment but an interlocked add) and
/// levels are read when asked; the host publishes both on <c>/metrics</c>, counts as Prometheus counters
/// <c>ocicache_&lt;name&gt;_total</c> and levels as gauges <c>ocicache_&lt;name&gt;</c>. The same instruments
/// are on a System.Diagnostics.Metrics meter too, for any other tool that polls (dotnet-counters,
/// OpenTelemetry), so the core depends on no exporter.
/// </summary>
public sealed class CacheMetrics : IDisposable
{
    public const string MeterName = "ocicache";

    private readonly Meter _meter = new(MeterName);
    private readonly List<TallyCounter> _counters = [];
    private readonly List<ObservedGauge> _gauges = [];

    public CacheMetrics()
    {
        Hits = Tally("cache_hits", "Requests answered from the local store, by kind (blob, manifest).", null, "kind", "upstream");
        Misses = Tally("cache_misses", "Requests that needed the upstream, by kind.", null, "kind", "upstream");
        StaleServed = Tally("stale_served", "Cached tags served because the upstream could not revalidate them.", null, "upstream");
        UpstreamRequests = Tally("upstream_requests", "Requests to upstreams, by upstream, method and outcome.", null, "method", "outcome", "upstream");
        UpstreamBytes = Tally("upstream_bytes", "Blob bytes received from upstreams.", "By", "upstream");
        FillFailures = Tally("fill_failures", "Blob fetches that did not publish, by reason.", null, "reason", "upstream");
        ServedBytes = Tally("served_bytes", "Blob bytes answered from the local store to mirror requests (whole blobs; the WAN bytes saved).", "By", "upstream");
        Evictions = Tally("evictions", "Images and blobs the budget took, by kind (image, blob).", null, "kind");
        EvictedBytes = Tally("evicted_bytes", "Bytes the budget took.", "By");
    }

    public TallyCounter ServedBytes { get; }

    public TallyCounter Evictions { get; }

    public TallyCounter EvictedBytes { get; }

    public TallyCounter Hits { get; }

    public TallyCounter Misses { get; }

    public TallyCounter StaleServed { get; }

    public TallyCounter UpstreamRequests { get; }

    public TallyCounter UpstreamBytes { get; }

    public TallyCounter FillFailures { get; }

    /// <summary>Every count declared so far, for exporters.</summary>
    public IReadOnlyList<TallyCounter> Counters
    {
        get
        {
            lock (_counters)
            {
                return [.. _counters];
            }
        }
    }

    /// <summary>Every level registered with <see cref="Observe"/>, for exporters.</summary>
    public IReadOnlyList<ObservedGauge> Gauges
    {
        get
        {
            lock (_gauges)
            {
                return [.. _gauges];
            }
        }
    }

    /// <summary>
    /// Registers a level (a gauge) read on every scrape. Counts go in a <see cref="TallyCounter"/>. A level
    /// kept in storage gives <paramref name="refresh"/>, which a scrape awaits before the synchronous read.
    /// </summary>
    public void Observe(string name, Func<IEnumerable<Measurement<long>>> read, string description, Func<CancellationToken, Task>? refresh = null)
    {
        _meter.CreateObservableGauge(name, read, description: description);
        lock (_gauges)
        {
            _gauges.Add(new ObservedGauge(name, description, read) { Refresh = refresh });
        }
    }

    /// <summary>Declares a count of a feature of its own (sync), published like the ones above.</summary>
    public TallyCounter Declare(string name, string description, string? unit, params string[] labelNames)
    {
        lock (_counters)
        {
            return Tally(name, description, unit, labelNames);
        }
    }

    public void Dispose() => _meter.Dispose();

    private TallyCounter Tally(string name, string description, string? unit, params string[] labelNames)
    {
        var counter = new TallyCounter(name, description, labelNames);
        _meter.CreateObservableCounter(name, counter.Read, unit, description);
        _counters.Add(counter);
        return counter;
    }
}

/// <summary>A level read when asked: its current value per combination of tag values.</summary>
public sealed record ObservedGauge(string Name, string Description, Func<IEnumerable<Measurement<long>>> Read)
{
    /// <summary>Brings the value <see cref="Read"/> returns up to date; null when it is always current.</summary>
    public Func<CancellationToken, Task>? Refresh { get; init; }
}

/// <summary>
/// A monotonic count per combination of label values. Its label names are fixed when it is declared (in
/// <see cref="CacheMetrics"/>), because a Prometheus series family has one set of them: a tag of another
/// name is not published, and a label without a tag is empty.
/// </summary>
public sealed class TallyCounter
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Entry> _entries = new();

    internal TallyCounter(string name, string description, string[] labelNames)
    {
        Name = name;
        Description = description;
        LabelNames = labelNames;
    }

    public string Name { get; }

    public string Description { get; }

    public IReadOnlyList<string> LabelNames { get; }

    public void Add(long value, params KeyValuePair<string, object?>[] tags)
    {
        var labels = new string[LabelNames.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = "";
            foreach (var tag in tags)
            {
                if (tag.Key == LabelNames[i])
                {
                    labels[i] = tag.Value?.ToString() ?? "";
                }
            }
        }

        var entry = _entries.GetOrAdd(labels.Length == 0 ? "" : string.Join('\u001f', labels), static (_, state) => new Entry(state.Names, state.Labels), (Names: LabelNames, Labels: labels));
        Interlocked.Add(ref entry.Count, value);
    }

    /// <summary>Each combination of label values (in <see cref="LabelNames"/> order) with its count so far.</summary>
    public IEnumerable<(string[] Labels, long Count)> Snapshot() =>
        _entries.Values.Select(e => (e.Labels, Interlocked.Read(ref e.Count))).ToList();

    internal IEnumerable<Measurement<long>> Read() =>
        _entries.Values.Select(e => new Measurement<long>(Interlocked.Read(ref e.Count), e.Tags)).ToList();

    private sealed class Entry(IReadOnlyList<string> names, string[] labels)
    {
        public long Count;

        public string[] Labels { get; } = labels;

        public KeyValuePair<string, object?>[] Tags { get; } = names.Select((n, i) => new KeyValuePair<string, object?>(n, labels[i])).ToArray();
    }
}
