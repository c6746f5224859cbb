using OciCache.Lifecycle;
using OciCache.Storage;

namespace OciCache.WebConsole;

/// <summary>
/// What the Storage page shows: cached bytes against the budget and the free-space floor, bytes per upstream
/// (local as <c>""</c>), the largest images, recent evictions, what eviction would take next, and pins.
/// Repositories the viewer may not pull are left out of every list.
/// </summary>
internal sealed record StorageData(
    long CachedBytes, long BudgetBytes, long FreeBytes, long MinFreeBytes, int LowWaterPercent,
    IReadOnlyDictionary<string, long> BytesByUpstream, IReadOnlyList<ImageSizeRow> Largest,
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
        var free = new DriveInfo(services.GetRequiredService<DataLayout>().Root).AvailableFreeSpace;
        var next = index.ListEvictionCandidates(options.EvictLocal)
            .Where(c => !evictor.IsPinned(c) && (c.Repository is null || viewer.MayPull(context, c.Repository, c.Upstream)))
            .Take(ListLength)
            .Select(c => new NextEviction(c, c.Repository is { } repository ? catalog.ImageBytes(repository, c.Digest) : c.Size))
            .ToList();
        return new StorageData(index.GetCachedBytes(), options.MaxCacheBytes, free, options.MinFreeBytes, options.LowWaterPercent,
            catalog.BytesByUpstream(),
            [.. catalog.LargestImages(ListLength * 5).Where(i => viewer.MayPull(context, i.Repository, i.Upstream)).Take(ListLength)],
            [.. services.GetRequiredService<EvictionLog>().Recent().Where(e => e.Repository is null || viewer.MayPull(context, e.Repository, UpstreamOf(context, e.Repository))).Take(ListLength)],
            next, options.Pins, services.GetRequiredService<RuntimePins>().List());
    }

    private static string? UpstreamOf(HttpContext context, string repository) =>
        context.RequestServices.GetRequiredService<Registry.RepositoryRouter>().FindUpstream(repository.Split('/', 2)[0]) is { } upstream &&
        repository.StartsWith(upstream + "/", StringComparison.Ordinal) ? upstream : null;
}

/// <summary>An eviction candidate with the bytes it holds: the image (manifest and what it references) or the blob.</summary>
internal sealed record NextEviction(EvictionCandidate Candidate, long Bytes);
