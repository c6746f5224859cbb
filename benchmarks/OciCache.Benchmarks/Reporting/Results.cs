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

/// <summary>
/// One transfer of the pinned scenario (the cache alone on its CPU, upstream and curl on the other):
/// <paramref name="Clients"/> curl GETs of one blob, <paramref name="Seconds"/> from their start to the
/// last byte of the last one, and <paramref name="CpuSeconds"/> the cache's utime+stime from just before
/// the request until the blob was stored (a cold fill's publish, or the distribution proxy's background
/// copy, is part of its cost).
/// </summary>
internal sealed record PinnedSample(
    string Blob, long BlobBytes, string Peer, string Phase, int Clients, int Round, double Seconds, double CpuSeconds, int Succeeded, string Error)
{
    public bool Ok => Succeeded == Clients;
}

/// <summary>SHA-256 of <paramref name="Bytes"/> on the cache's CPU took <paramref name="CpuSeconds"/> of CPU (<see cref="Infra.Sha256Floor"/>).</summary>
internal sealed record Sha256FloorSample(string Tool, string When, long Bytes, double CpuSeconds)
{
    public double SecondsPerGiB => CpuSeconds / Bytes * (1L << 30);
}

/// <summary>
/// <paramref name="Clients"/> cold clients of one blob through HAProxy in front of <paramref name="Replicas"/> replicas
/// (PostgreSQL and S3): wall time to the last byte of the last client, and the upstream's GETs of that blob and
/// bytes until the blob was stored. <paramref name="Spread"/> is how HAProxy shared the requests (per replica).
/// </summary>
internal sealed record ScaleOutCopiesRow(
    int Replicas, int Round, int Clients, long BlobBytes, double WallSeconds, int Succeeded, int UpstreamBlobGets, long UpstreamBytes, string Spread, string Error);

/// <summary>Time to first byte of the cold scale-out blob from a fresh replica set (<see cref="ScaleOutSetups"/>).</summary>
internal sealed record ScaleOutFirstByteSample(string Setup, int Round, double HeadersSeconds, double FirstByteSeconds, bool Ok, string Error);

/// <summary><paramref name="Clients"/> warm reads of the scale-out blob at once through HAProxy: wall time and bytes read in all.</summary>
internal sealed record ScaleOutThroughputSample(int Replicas, int Round, int Clients, double WallSeconds, long Bytes, int Succeeded, string Error)
{
    public double BytesPerSecond => Bytes / WallSeconds;
}

/// <summary>The replica setups of the scale-out scenario, by the names its samples carry.</summary>
internal static class ScaleOutSetups
{
    /// <summary>Today's default: one process, SQLite and the data folder, no lease.</summary>
    public const string Embedded = "sqlite+fs ×1";

    /// <summary>One replica on PostgreSQL and S3 (Ceph RGW), reached directly: every fill takes a lease in PostgreSQL.</summary>
    public const string ClusterOne = "postgres+s3 ×1";

    /// <summary>N replicas on PostgreSQL and S3 behind HAProxy (round-robin, no stickiness).</summary>
    public static string BehindProxy(int replicas) => $"postgres+s3 ×{replicas} via HAProxy";
}

/// <summary>
/// The trust scenario: one signed image under an enforcing <c>Trust:Policies</c> rule, against the same cache
/// without the rule, rounds alternating. Seconds for the GETs (the first after a restart: with the rule it
/// reaches the cold verdict), bytes per second for the warm pulls (medians over rounds), and the most
/// signature verifications a round with the rule performed (1: the cold verdict; warm requests add none).
/// </summary>
internal sealed record TrustRow(
    string Image, long PullBytes, string Rule, double FirstGetWithPolicy, double FirstGetWithout, double ManifestGetWithPolicy, double ManifestGetWithout,
    double PullWithPolicy, double PullWithout, int PullsOk, int Pulls, long? Verifications, string Error);

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

    public List<PinnedSample> Pinned { get; } = [];

    public List<Sha256FloorSample> PinnedSha256 { get; } = [];

    public string ScaleOutBlob { get; set; } = "";

    public List<ScaleOutCopiesRow> ScaleOutCopies { get; } = [];

    public List<ScaleOutFirstByteSample> ScaleOutFirstBytes { get; } = [];

    public List<ScaleOutThroughputSample> ScaleOutThroughput { get; } = [];

    /// <summary>Upstream GETs of the scale-out blob while it was read warm: 0 when every read came from the object store.</summary>
    public int? ScaleOutWarmUpstreamGets { get; set; }

    public TrustRow? Trust { get; set; }
}

internal sealed record ImageRow(string Name, string Title, long PullBytes, int Blobs);
