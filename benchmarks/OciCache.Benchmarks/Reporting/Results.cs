namespace OciCache.Benchmarks.Reporting;

internal sealed record PullSample(string Image, string Peer, string Phase, int Round, double Seconds, bool Ok, string Error);

internal sealed record FirstByteSample(string Peer, int Round, double HeadersSeconds, double FirstByteSeconds, bool Ok, string Error);

internal sealed record ThroughputSample(string Peer, int Round, double BytesPerSecond, bool Ok, string Error);

internal sealed record HeadLoadRow(string Peer, string By, int Round, double RequestsPerSecond, double P50, double P99, long Requests, long Failures);

internal sealed record ConcurrencyRow(
    string Peer, int Clients, double WallSeconds, double MedianClientSeconds, int Succeeded,
    long UpstreamBytes, int UpstreamBlobGets, long ImageBytes, long PeakRss, string Error);

internal sealed record OfflineRow(
    string Peer, string Variant, int PullsOk, int Pulls, double PullMedianSeconds, double PullMaxSeconds,
    int ManifestsOk, int Manifests, double P50, double P99, double Max, string Note);

internal sealed record StartupRow(string Peer, double MedianSeconds, double MaxSeconds, long IdleRss, long IdleRssAfterWarmup);

internal sealed record FootprintRow(string Peer, int Clients, long BlobBytes, double WallSeconds, int Succeeded, long UpstreamBytes, long PeakRss);

/// <summary>One raw GET of a fast-link blob: <paramref name="Seconds"/> from the request to the last byte.</summary>
internal sealed record FastLinkSample(string Blob, long BlobBytes, string Peer, string Phase, int Round, double Seconds, bool Ok, string Error);

/// <summary>Several clients fetching one cold fast-link blob at once: wall time from their start to the last byte of the last one.</summary>
internal sealed record FastLinkConcurrencyRow(
    string Blob, long BlobBytes, string Peer, int Clients, int Round, double WallSeconds, int Succeeded, long UpstreamBytes, string Error);

/// <summary>Everything one run measured, with the conditions it ran under; saved as results.json.</summary>
internal sealed class Results
{
    public static readonly System.Text.Json.JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PreferredObjectCreationHandling = System.Text.Json.Serialization.JsonObjectCreationHandling.Populate,
    };

    public bool Quick { get; set; }

    public Dictionary<string, string> Conditions { get; } = [];

    public List<ImageRow> Images { get; } = [];

    public List<PullSample> Pulls { get; } = [];

    public List<FirstByteSample> FirstBytes { get; } = [];

    public string FirstByteBlob { get; set; } = "";

    public List<ThroughputSample> Throughput { get; } = [];

    public string ThroughputBlob { get; set; } = "";

    public List<HeadLoadRow> HeadLoad { get; } = [];

    public List<ConcurrencyRow> Concurrency { get; } = [];

    public string ConcurrencyImage { get; set; } = "";

    public List<OfflineRow> Offline { get; } = [];

    public List<StartupRow> Startup { get; } = [];

    public List<FootprintRow> Footprint { get; } = [];

    public List<FastLinkSample> FastLink { get; } = [];

    public List<FastLinkConcurrencyRow> FastLinkConcurrency { get; } = [];
}

internal sealed record ImageRow(string Name, string Title, long PullBytes, int Blobs);
