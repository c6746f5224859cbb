namespace OciCache.Storage;

/// <summary>What one upstream saw in one bucket of <see cref="TrafficHistory"/>.</summary>
/// <param name="Start">The bucket's first instant (a whole minute or hour, UTC).</param>
/// <param name="Hits">Blob and manifest requests answered from the store.</param>
/// <param name="Misses">Blob and manifest requests that needed the upstream.</param>
/// <param name="ServedBytes">Blob bytes answered from the store (the WAN bytes saved).</param>
/// <param name="FetchedBytes">Blob bytes received from the upstream.</param>
public sealed record TrafficBucket(DateTimeOffset Start, string Upstream, long Hits, long Misses, long ServedBytes, long FetchedBytes);

/// <summary>The two bucket sizes the history keeps, and for how long.</summary>
public enum TrafficResolution
{
    /// <summary>Minute buckets of the last 24 hours.</summary>
    Minute = 60,

    /// <summary>Hour buckets of the last 7 days.</summary>
    Hour = 3600,
}
