using OciCache.Settings;

namespace OciCache.Sync;

/// <summary>Whole namespaces copied from an upstream on a schedule (<c>Sync</c> in configuration).</summary>
public sealed record SyncOptions : ISettingsSection
{
    public List<SyncJob> Jobs { get; set; } = [];
}

/// <summary>
/// One sync job: which repositories of which upstream, which of their tags and platforms, how often, and
/// whether referrers come along and what it stores is pinned against eviction.
/// </summary>
public sealed record SyncJob : ISettingsSection
{
    /// <summary>Shown in logs, metrics (<c>job</c>) and <c>ocicache sync JOB</c>; default <c>&lt;upstream&gt;-&lt;index&gt;</c>.</summary>
    public string? Name { get; set; }

    /// <summary>A configured upstream's name.</summary>
    public string Upstream { get; set; } = "";

    /// <summary>
    /// Repository names at the upstream, or repository patterns (<c>*</c> in one segment, <c>**</c> across, as in access policies)
    /// (<c>warehouse/**</c>); a pattern lists the upstream's catalog, a plain name is used as it is.
    /// </summary>
    public List<string> Repositories { get; set; } = [];

    /// <summary>Which tags; none of its keys set means every tag.</summary>
    public SyncTagFilter Tags { get; set; } = new();

    /// <summary>Platforms of a multi-arch index to copy (<c>linux/arm64</c>); empty means all. The index is kept whole.</summary>
    public List<string> Platforms { get; set; } = [];

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Copy each image's referrers too (OCI referrers API, then the cosign tags <c>sha256-&lt;hex&gt;.sig</c>, <c>.att</c>, <c>.sbom</c>).</summary>
    public bool Referrers { get; set; }

    /// <summary>Pin the job's repositories against eviction.</summary>
    public bool Pin { get; set; }

    /// <summary>The job's name as configured, or <c>&lt;upstream&gt;-&lt;index&gt;</c>.</summary>
    public string NameOrDefault(int index) => string.IsNullOrWhiteSpace(Name) ? $"{Upstream}-{index}" : Name;

    /// <summary>
    /// The <c>Storage:Pins</c> patterns that pin what a job with <see cref="Pin"/> stores: every manifest of
    /// its repositories (stored names: upstream first; <c>**</c> and <c>*</c> become a pin's <c>*</c> at the end of a
    /// segment, which <see cref="OciCache.Lifecycle.PinPattern"/> reads as covering the names below it).
    /// </summary>
    public static IEnumerable<string> PinPatterns(IEnumerable<SyncJob> jobs) =>
        jobs.Where(j => j.Pin).SelectMany(j => j.Repositories.Select(r => $"{j.Upstream}/{r.Replace("**", "*", StringComparison.Ordinal)}"));
}

/// <summary>A tag filter: a regular expression over the whole tag, or a semver range; at most one of them.</summary>
public sealed record SyncTagFilter : ISettingsSection
{
    /// <summary>.NET regular expression, matched against the whole tag (<c>1\.4\..*</c>).</summary>
    public string? Regex { get; set; }

    /// <summary>Space-separated comparators, all of which must hold (<c>&gt;=1.4 &lt;2</c>); see <see cref="SemverRange"/>.</summary>
    public string? Semver { get; set; }
}
