using OciCache.Http;
using Prometheus;

namespace OciCache.Telemetry;

/// <summary>
/// <c>ocicache_request_duration_seconds</c>: a histogram of request durations (until the response ended) by
/// operation (<c>manifest</c>, <c>blob</c>, <c>upload</c>, <c>listing</c>, <c>base</c>, <c>token</c>,
/// <c>other</c>) and status class (<c>2xx</c> … <c>5xx</c>). The operation comes from the path's route
/// kind (set by the registry's dispatch, <see cref="SetOperation"/>), never from the path itself, so the series
/// stay few whatever clients send.
/// </summary>
internal sealed class RequestDurations(MetricsEndpoint endpoint)
{
    // Manifests and errors take milliseconds; blobs over a thin WAN take minutes.
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private readonly Histogram _histogram = Metrics.WithCustomRegistry(endpoint.Registry).CreateHistogram(
        "ocicache_request_duration_seconds", "Request durations by operation and status class.",
        new HistogramConfiguration { LabelNames = ["operation", "status"], Buckets = Buckets });

    private static readonly object OperationKey = new();

    /// <summary>Called by the registry's dispatch once it parsed the route, so the path is parsed once per request.</summary>
    public static void SetOperation(HttpContext context, RouteKind kind) => context.Items[OperationKey] = kind switch
    {
        RouteKind.Manifest => "manifest",
        RouteKind.Blob => "blob",
        RouteKind.Upload or RouteKind.UploadStart => "upload",
        RouteKind.Tags or RouteKind.Catalog or RouteKind.Referrers => "listing",
        _ => "base",
    };

    public void Observe(HttpContext context, TimeSpan elapsed) =>
        _histogram.WithLabels(Operation(context), StatusClass(context.Response.StatusCode)).Observe(elapsed.TotalSeconds);

    private static string Operation(HttpContext context)
    {
        if (context.Items.TryGetValue(OperationKey, out var operation) && operation is string known)
        {
            return known;
        }

        var path = context.Request.Path.Value ?? "";
        return path == "/token" || path.StartsWith("/token/", StringComparison.Ordinal) ? "token" : "other";
    }

    private static string StatusClass(int status) => status switch
    {
        >= 100 and < 600 => $"{status / 100}xx",
        _ => "other",
    };
}
