using Microsoft.Extensions.Logging;
using OciCache.Observability;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Keeps cached upstream content within <see cref="StorageOptions.MaxCacheBytes"/> and the data volume
/// above <see cref="StorageOptions.MinFreeBytes"/>. Over either limit, it removes whole images least
/// recently used first (tags, manifest, the child manifests only it held, then the blobs nothing else
/// needs) and unreferenced blobs, until below the low-water mark. Pinned images and local content are
/// never taken (local only when configured). Rows go before files: a crash in between leaves unreferenced
/// files, which garbage collection removes, never a row without its file.
/// </summary>
public sealed partial class CacheEvictor
{
    private readonly IEvictionIndex index;
    private readonly IBlobIndex blobs;
    private readonly IBlobStore store;
    private readonly IStorageVolume volume;
    private readonly AccessTracker access;
    private readonly StorageOptions options;
    private readonly CacheMetrics metrics;
    private readonly ILogger<CacheEvictor> logger;
    private readonly PinMatcher _pins;
    private readonly RuntimePins? _runtimePins;
    private readonly EvictionLog? _log;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _cachedBytes;

    public CacheEvictor(IEvictionIndex index, IBlobIndex blobs, IBlobStore store, IStorageVolume volume, AccessTracker access, StorageOptions options, CacheMetrics metrics, ILogger<CacheEvictor> logger,
        RuntimePins? runtimePins = null, EvictionLog? log = null, TimeProvider? time = null)
    {
        _runtimePins = runtimePins;
        _log = log;
        _time = time ?? TimeProvider.System;
        this.index = index;
        this.blobs = blobs;
        this.store = store;
        this.volume = volume;
        this.access = access;
        this.options = options;
        this.metrics = metrics;
        this.logger = logger;
        _pins = new PinMatcher(options.Pins);
        metrics.Observe("storage_cached_bytes", () => [new(Volatile.Read(ref _cachedBytes))], "Bytes of upstream content in the store (what the budget counts).",
            refresh: RefreshCachedBytesAsync);
        metrics.Observe("storage_budget_bytes", () => [new(options.MaxCacheBytes)], "Storage:MaxCacheBytes (0: no budget).");
        metrics.Observe("storage_free_bytes", () => [new(FreeBytes())], "Free bytes of the data volume.");
        metrics.Observe("storage_min_free_bytes", () => [new(options.MinFreeBytes)], "Storage:MinFreeBytes, the free-space floor.");
    }

    /// <summary>Bytes that would have to go now to be back under both limits (at the low-water mark).</summary>
    public async Task<long> BytesOverBudgetAsync(CancellationToken cancellationToken = default)
    {
        long over = 0;
        var low = options.LowWaterPercent / 100.0;
        if (options.MaxCacheBytes > 0 && await RefreshCachedBytesAsync(cancellationToken) is var cached && cached > options.MaxCacheBytes)
        {
            over = cached - (long)(options.MaxCacheBytes * low);
        }

        if (options.MinFreeBytes > 0 && FreeBytes() is var free && free < options.MinFreeBytes)
        {
            over = Math.Max(over, options.MinFreeBytes - free + (long)(options.MinFreeBytes * (1 - low)));
        }

        return over;
    }

    /// <summary>Reads the bytes the budget counts, and keeps them for the synchronous gauge.</summary>
    private async Task<long> RefreshCachedBytesAsync(CancellationToken cancellationToken)
    {
        var cached = await index.GetCachedBytesAsync(cancellationToken);
        Volatile.Write(ref _cachedBytes, cached);
        return cached;
    }

    /// <summary>Evicts until under budget (or nothing evictable is left). Returns the bytes removed.</summary>
    public async Task<long> EvictAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await access.FlushAsync(); // LRU order must include what was served since the last flush
            var needed = await BytesOverBudgetAsync(cancellationToken);
            if (needed <= 0)
            {
                return 0;
            }

            long freed = 0;
            foreach (var candidate in await index.ListEvictionCandidatesAsync(options.EvictLocal, cancellationToken))
            {
                if (freed >= needed || cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                if (candidate.IsManifest && await IsPinnedAsync(candidate, cancellationToken))
                {
                    continue;
                }

                var bytes = candidate.IsManifest ? await EvictImageAsync(candidate) : await RemoveBlobsAsync([candidate.Digest]);
                _log?.Add(new EvictionRecord(_time.GetUtcNow(), candidate.Repository?.Name, candidate.Digest, candidate.Tags, bytes));
                metrics.Evictions.Add(1, new KeyValuePair<string, object?>("kind", candidate.IsManifest ? "image" : "blob"));
                metrics.EvictedBytes.Add(bytes);
                freed += bytes;
            }

            LogEvicted(freed, needed);
            return freed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether a root manifest is kept by <c>Storage:Pins</c> or a pin added at runtime.</summary>
    public async ValueTask<bool> IsPinnedAsync(EvictionCandidate candidate, CancellationToken cancellationToken = default) =>
        candidate.IsManifest && (_pins.IsPinned(candidate.Repository!.Name, candidate.Tags) ||
                                 (_runtimePins is not null && await _runtimePins.IsPinnedAsync(candidate.Repository.Name, candidate.Tags, cancellationToken)));

    private async Task<long> EvictImageAsync(EvictionCandidate root)
    {
        var touched = await index.DeleteManifestTreeAsync(root.Repository!, root.Digest);
        LogImage(root.Repository!.Name, root.Digest, string.Join(',', root.Tags), root.LastAccess);
        return await RemoveBlobsAsync(touched);
    }

    /// <summary>Removes the given blobs that nothing (kept) needs any more: rows first, then files.</summary>
    private async Task<long> RemoveBlobsAsync(IReadOnlyCollection<Digest> digests)
    {
        var scope = options.EvictLocal ? UnneededScope.KeepNothing : UnneededScope.KeepLocal;
        long freed = 0;
        foreach (var blob in await index.ListUnneededBlobsAsync(digests, scope))
        {
            await blobs.RemoveBlobAsync(blob.Digest);
            store.Delete(blob.Digest);
            freed += blob.Size;
        }

        return freed;
    }

    private long FreeBytes() => volume.FreeBytes;

    [LoggerMessage(Level = LogLevel.Information, Message = "Evicted {Repository}@{Digest} (tags {Tags}), last used {LastAccess}")]
    private partial void LogImage(string repository, Digest digest, string tags, DateTimeOffset lastAccess);

    [LoggerMessage(Level = LogLevel.Information, Message = "Eviction freed {Freed} bytes of {Needed} needed")]
    private partial void LogEvicted(long freed, long needed);
}
