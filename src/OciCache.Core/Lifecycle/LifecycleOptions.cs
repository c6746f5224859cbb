using OciCache.Settings;
using OciCache.Storage.S3;

namespace OciCache.Lifecycle;

/// <summary>The disk budget of cached upstream content and its eviction (<c>Storage</c> in configuration).</summary>
public sealed record StorageOptions : ISettingsSection
{
    /// <summary>Most bytes of cached upstream content to keep; 0 for no limit. Local (pushed) content does not count.</summary>
    [AtLeast("Storage", 0)]
    public long MaxCacheBytes { get; set; }

    /// <summary>Free space to leave on the data volume; 0 for no floor.</summary>
    [AtLeast("Storage", 0)]
    public long MinFreeBytes { get; set; } = 1L << 30;

    /// <summary>Once over a limit, evict until this percentage of it is reached (hysteresis).</summary>
    [AtLeast("Storage", 10, Maximum = 100)]
    public int LowWaterPercent { get; set; } = 90;

    /// <summary>Evict local (pushed) content too, least recently used first. Off: local content is never evicted.</summary>
    public bool EvictLocal { get; set; }

    /// <summary>Images never evicted: <c>repository[:tag]</c> with <c>*</c> wildcards, e.g. <c>registry.k8s.io/pause:*</c>.</summary>
    public List<string> Pins { get; set; } = [];

    /// <summary>How often the budget is checked (it is also checked after every blob the cache stores).</summary>
    [Duration("Storage")]
    public TimeSpan EvictionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often last-access times kept in memory are written to the database, in one batch.</summary>
    [Duration("Storage")]
    public TimeSpan AccessFlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where blobs are kept: the data folder, or an S3 bucket (<see cref="S3"/>).</summary>
    public StorageBackend Backend { get; set; } = StorageBackend.Filesystem;

    /// <summary>The bucket of the s3 backend.</summary>
    public S3StorageOptions S3 { get; set; } = new();
}

/// <summary>The values of <c>Storage:Backend</c>.</summary>
public enum StorageBackend
{
    Filesystem,
    S3,
}

/// <summary>Garbage collection of local content and abandoned uploads (<c>GarbageCollection</c>).</summary>
public sealed record GarbageCollectionOptions : ISettingsSection
{
    [Duration("GarbageCollection")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A local blob no manifest has referenced for this long is removed; also the minimum age of leftover files.</summary>
    [Duration("GarbageCollection", AllowZero = true)]
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Background re-hashing of stored blobs (<c>Scrub</c>).</summary>
public sealed record ScrubOptions : ISettingsSection
{
    /// <summary>Pause between passes over the whole store; 0 turns scrubbing off.</summary>
    [Duration("Scrub", AllowZero = true)]
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Read rate of a pass, so pulls do not suffer.</summary>
    [AtLeast("Scrub", 1)]
    public long BytesPerSecond { get; set; } = 16L << 20;
}

/// <summary>Images fetched ahead of need, at start and on a schedule (<c>Prefetch</c>).</summary>
public sealed record PrefetchOptions : ISettingsSection
{
    /// <summary>Time between runs; 0 runs only at start.</summary>
    [Duration("Prefetch", AllowZero = true)]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Run once shortly after the server starts.</summary>
    public bool RunAtStart { get; set; } = true;

    public List<PrefetchImage> Images { get; set; } = [];
}

/// <summary>One image to prefetch: a mirror repository, tag patterns and a platform filter.</summary>
public sealed record PrefetchImage : ISettingsSection
{
    /// <summary>The repository with its registry, e.g. <c>docker.io/library/nginx</c> (or <c>nginx</c> for Docker Hub).</summary>
    public string Image { get; set; } = "";

    /// <summary>Tags or patterns with <c>*</c> (patterns list the upstream's tags); empty means <c>latest</c>.</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>Platforms of multi-arch images to fetch, e.g. <c>linux/arm64</c>; empty means all.</summary>
    public List<string> Platforms { get; set; } = [];
}
