using OciCache.Observability;
using Prometheus;

namespace OciCache.Telemetry;

/// <summary>
/// <c>/metrics</c> in the Prometheus text format: the cache's series (<see cref="CacheMetrics"/>) from a
/// registry of this server's own, then prometheus-net's default registry (GC, process, and the .NET meters
/// of Kestrel and HttpClient).
/// </summary>
/// <remarks>
/// prometheus-net's MeterAdapter publishes every .NET counter as a gauge, on purpose: an instrument may be
/// re-created and start again from zero (see MeterAdapter.OnMeasurementRecorded in prometheus-net). The
/// cache's counts only rise for the life of a server, so they are published here as counters
/// (<c>ocicache_&lt;name&gt;_total</c>; https://prometheus.io/docs/practices/naming/), which <c>rate()</c> and
/// <c>increase()</c> need, and the adapter is told to leave the cache's meter alone. A registry per server
/// keeps two servers in one process (the tests) from mixing their counts.
/// </remarks>
internal sealed class MetricsEndpoint
{
    private const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();

    /// <summary>This server's own series (the cache's counts and levels, request durations).</summary>
    public CollectorRegistry Registry => _registry;

    public MetricsEndpoint(CacheMetrics metrics)
    {
        // prometheus-net reads this when the default registry is first collected, i.e. at the first scrape.
        Metrics.ConfigureMeterAdapter(options => options.InstrumentFilterPredicate = i => i.Meter.Name != CacheMetrics.MeterName);

        // Counters are declared up front, so every count has its family (# TYPE … counter) before it first rises;
        // one a feature declares later (the TLS endpoint, built when Kestrel starts) is added at the next scrape.
        var factory = Metrics.WithCustomRegistry(_registry);
        Counter Publish(TallyCounter tally) => factory.CreateCounter($"{CacheMetrics.MeterName}_{tally.Name}_total", tally.Description, [.. tally.LabelNames]);
        var counters = new System.Collections.Concurrent.ConcurrentDictionary<TallyCounter, Counter>(metrics.Counters.ToDictionary(tally => tally, Publish));
        _registry.AddBeforeCollectCallback(async cancel =>
        {
            foreach (var tally in metrics.Counters)
            {
                var counter = counters.GetOrAdd(tally, Publish);
                foreach (var (labels, count) in tally.Snapshot())
                {
                    counter.WithLabels(labels).IncTo(count);
                }
            }

            // A level's label names are known from its measurements only; prometheus-net returns the same
            // gauge for the same name and labels.
            foreach (var gauge in metrics.Gauges)
            {
                if (gauge.Refresh is { } refresh)
                {
                    await refresh(cancel); // a level kept in storage is read without blocking a thread
                }

                foreach (var measurement in gauge.Read())
                {
                    var tags = measurement.Tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
                    factory.CreateGauge($"{CacheMetrics.MeterName}_{gauge.Name}", gauge.Description, [.. tags.Select(t => t.Key)])
                        .WithLabels([.. tags.Select(t => t.Value?.ToString() ?? "")])
                        .Set(measurement.Value);
                }
            }
        });
    }

    public async Task WriteAsync(HttpContext context)
    {
        // Both registries are collected before the first byte goes out, so a failure is a clean 500.
        using var buffer = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(buffer, ExpositionFormat.PrometheusText, context.RequestAborted);
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(buffer, ExpositionFormat.PrometheusText, context.RequestAborted);
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = buffer.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }
}
