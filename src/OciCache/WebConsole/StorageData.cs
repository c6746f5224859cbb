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
/// <item><c>Quotas</c>: each configured quota (<c>Quotas</c>) with its use, measured now, and its limit.</item>
/// Also the budget and the free-space floor, the largest images, recent evictions and pins. Repositories
/// the viewer may not pull are left out of every list.
/// </summary>
internal sealed record StorageData(
    long StoredBytes, long CachedBytes, long BudgetBytes, long FreeBytes, long MinFreeBytes, int LowWaterPercent,
    StorageBreakdown Origins, IReadOnlyList<ImageSizeRow> Largest,
    IReadOnlyList<EvictionRecord> RecentEvictions, IReadOnlyList<NextEviction> NextInLine,
    IReadOnlyList<string> ConfiguredPins, IReadOnlyList<RuntimePin> RuntimePins)
{
    /// <summary>Each quota with what its repositories hold now, in configuration order.</summary>
    public IReadOnlyList<QuotaRow> Quotas { get; init; } = [];

    public const int ListLength = 10;

    public static async Task<StorageData> ReadAsync(HttpContext context, ConsoleViewer viewer)
    {
        var services = context.RequestServices;
        var cancellationToken = context.RequestAborted;
        var options = services.GetRequiredService<StorageOptions>();
        var index = services.GetRequiredService<IEvictionIndex>();
        var evictor = services.GetRequiredService<CacheEvictor>();
        var catalog = services.GetRequiredService<IConsoleQueries>();
        var free = services.GetRequiredService<IStorageVolume>().FreeBytes;
        var next = new List<NextEviction>();
        foreach (var c in await index.ListEvictionCandidatesAsync(options.EvictLocal, cancellationToken))
        {
            if (next.Count == ListLength)
            {
                break;
            }

            if (!await evictor.IsPinnedAsync(c, cancellationToken) && (c.Repository is null || viewer.MayPull(context, c.Repository.Name, c.Repository.Upstream)) &&
                new NextEviction(c, c.Repository is { } repository ? await catalog.FreedBytesAsync(repository.Name, c.Digest, cancellationToken) : c.Size) is { Bytes: > 0 } n)
            {
                next.Add(n);
            }
        }

        var origins = await catalog.BreakdownAsync(cancellationToken);
        return new StorageData(origins.StoredBytes, await index.GetCachedBytesAsync(cancellationToken), options.MaxCacheBytes, free, options.MinFreeBytes, options.LowWaterPercent,
            origins,
            [.. (await catalog.LargestImagesAsync(ListLength * 5, cancellationToken)).Where(i => viewer.MayPull(context, i.Repository, i.Upstream)).Take(ListLength)],
            [.. services.GetRequiredService<EvictionLog>().Recent().Where(e => e.Repository is null || viewer.MayPull(context, e.Repository, UpstreamOf(context, e.Repository))).Take(ListLength)],
            next, options.Pins, await services.GetRequiredService<RuntimePins>().ListAsync(cancellationToken))
        {
            Quotas = [.. (await services.GetRequiredService<Registry.QuotaGuard>().MeasureAllAsync(cancellationToken))
                .Select(q => new QuotaRow(q.Quota.Name, [.. q.Quota.Repositories.Select(p => p.Text)], q.UsedBytes, q.Quota.MaxBytes))],
        };
    }

    private static string? UpstreamOf(HttpContext context, string repository) =>
        context.RequestServices.GetRequiredService<Registry.RepositoryRouter>().FindUpstream(repository.Split('/', 2)[0]) is { } upstream &&
        repository.StartsWith(upstream + "/", StringComparison.Ordinal) ? upstream : null;
}

/// <summary>An eviction candidate with the bytes evicting it frees: the image's (manifest and what only it references) or the blob's.</summary>
internal sealed record NextEviction(EvictionCandidate Candidate, long Bytes);

/// <summary>A quota as the Storage page and <c>/api/storage</c> show it.</summary>
internal sealed record QuotaRow(string Name, IReadOnlyList<string> Repositories, long UsedBytes, long MaxBytes);
