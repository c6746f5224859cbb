using OciCache.Lifecycle;
using OciCache.Storage;

namespace OciCache.WebConsole;

/// <summary>
/// What the Storage page shows, each figure defined once and the same in <c>/api/storage</c>:
/// <list type="bullet">
/// <item><c>StoredBytes</c>: the bytes on disk, every blob and manifest once.</item>
/// <item><c>CachedBytes</c>: what <c>Storage:MaxCacheBytes</c> counts, upstream content no local image needs.</item>
/// <item><c>Origins</c>: the stored bytes by origin, each once: what only one upstream (local as <c>""</c>)
/// holds, and what several share.</item>
/// <item><c>NextInLine</c>: eviction candidates with what evicting each would free (none that frees nothing).</item>
/// </list>
/// Also the budget and the free-space floor, the largest images, recent evictions and pins. Repositories
/// the viewer may not pull are left out of every list.
/// </summary>
internal sealed record StorageData(
    long StoredBytes, long CachedBytes, long BudgetBytes, long FreeBytes, long MinFreeBytes, int LowWaterPercent,
    StorageBreakdown Origins, IReadOnlyList<ImageSizeRow> Largest,
    IReadOnlyList<EvictionRecord> RecentEvictions, IReadOnlyList<NextEviction> NextInLine,
    IReadOnlyList<string> ConfiguredPins, IReadOnlyList<RuntimePin> RuntimePins)
{
    public const int ListLength = 10;

    public static StorageData Read(HttpContext context, ConsoleViewer viewer)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<StorageOptions>();
        var index = services.GetRequiredService<IMetadataIndex>();
        var evictor = services.GetRequiredService<CacheEvictor>();
        var catalog = services.GetRequiredService<ConsoleCatalog>();
        var free = services.GetRequiredService<IStorageVolume>().FreeBytes;
        var next = index.ListEvictionCandidates(options.EvictLocal)
            .Where(c => !evictor.IsPinned(c) && (c.Repository is null || viewer.MayPull(context, c.Repository, c.Upstream)))
            .Select(c => new NextEviction(c, c.Repository is { } repository ? catalog.FreedBytes(repository, c.Digest) : c.Size))
            .Where(n => n.Bytes > 0)
            .Take(ListLength)
            .ToList();
        var origins = catalog.Breakdown();
        return new StorageData(origins.StoredBytes, index.GetCachedBytes(), options.MaxCacheBytes, free, options.MinFreeBytes, options.LowWaterPercent,
            origins,
            [.. catalog.LargestImages(ListLength * 5).Where(i => viewer.MayPull(context, i.Repository, i.Upstream)).Take(ListLength)],
            [.. services.GetRequiredService<EvictionLog>().Recent().Where(e => e.Repository is null || viewer.MayPull(context, e.Repository, UpstreamOf(context, e.Repository))).Take(ListLength)],
            next, options.Pins, services.GetRequiredService<RuntimePins>().List());
    }

    private static string? UpstreamOf(HttpContext context, string repository) =>
        context.RequestServices.GetRequiredService<Registry.RepositoryRouter>().FindUpstream(repository.Split('/', 2)[0]) is { } upstream &&
        repository.StartsWith(upstream + "/", StringComparison.Ordinal) ? upstream : null;
}

/// <summary>An eviction candidate with the bytes evicting it frees: the image's (manifest and what only it references) or the blob's.</summary>
internal sealed record NextEviction(EvictionCandidate Candidate, long Bytes);
