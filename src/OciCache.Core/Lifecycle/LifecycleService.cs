using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Runs the cache's housekeeping beside the server: last-access flushes, eviction (on a timer and after
/// every stored blob), garbage collection, scrubbing and scheduled prefetch. Each loop logs its failures
/// and carries on; none can stop the server. Eviction, garbage collection, scrubbing and prefetch are the
/// cluster's: a round starts only while this process leads (<see cref="ILeadership"/>), and is skipped
/// otherwise; last-access times are this process's own and are flushed on every replica.
/// Prefetch is taken only when images are to be prefetched: it holds the pull-through reader and the
/// upstream clients, which a server that has not been asked for anything yet does not build.
/// </summary>
public sealed partial class LifecycleService(
    AccessTracker access, CacheEvictor evictor, EvictionSignal signal, GarbageCollector collector, Scrubber scrubber,
    Lazy<PrefetchRuns> prefetchRuns, TimeProvider time, StorageOptions storage, GarbageCollectionOptions gc, ScrubOptions scrub, PrefetchOptions prefetch,
    ILeadership leadership, ILogger<LifecycleService> logger) : BackgroundService
{
    /// <summary>Delay before the first prefetch, so the server answers clients first.</summary>
    public static readonly TimeSpan PrefetchStartDelay = TimeSpan.FromSeconds(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        LoopAsync("access flush", storage.AccessFlushInterval, _ => access.FlushAsync(), stoppingToken),
        EvictionLoopAsync(stoppingToken),
        LoopAsync("garbage collection", gc.Interval, Leading(collector.CollectAsync), stoppingToken),
        scrub.Interval > TimeSpan.Zero ? LoopAsync("scrub", scrub.Interval, Leading(scrubber.ScrubAsync), stoppingToken) : Task.CompletedTask,
        PrefetchLoopAsync(stoppingToken));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // Keep the LRU order of this run, bounded by the host's shutdown timeout: a database that cannot
            // take it must not hold the shutdown (and the server) up.
            await access.FlushAsync().WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogLastFlushFailed("the shutdown timeout passed first");
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or FailureException or IOException)
        {
            // A full or read-only volume: the order of this run's last accesses is lost, the shutdown is not.
            LogLastFlushFailed(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Last-access times of this run were not saved at shutdown: {Reason}")]
    private partial void LogLastFlushFailed(string reason);

    private async Task EvictionLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await RunOnceAsync("eviction", Leading(evictor.EvictAsync), stoppingToken);
            try
            {
                await signal.WaitAsync(storage.EvictionInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PrefetchLoopAsync(CancellationToken stoppingToken)
    {
        if (prefetch.Images.Count == 0)
        {
            return;
        }

        var prefetches = prefetchRuns.Value;
        try
        {
            var first = prefetch.RunAtStart ? PrefetchStartDelay : prefetch.Interval;
            prefetches.NextRunAt = time.GetUtcNow() + first;
            await Task.Delay(first, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                prefetches.NextRunAt = null;
                await RunOnceAsync("prefetch", Leading(async ct =>
                {
                    if (await prefetches.RunAsync("schedule", ct) is { } result)
                    {
                        LogPrefetched(result.Images.Count, result.BlobsFetched, result.BytesFetched, result.Failed.Count);
                    }
                }), stoppingToken);
                if (prefetch.Interval <= TimeSpan.Zero)
                {
                    return;
                }

                prefetches.NextRunAt = time.GetUtcNow() + prefetch.Interval;
                await Task.Delay(prefetch.Interval, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task LoopAsync(string name, TimeSpan interval, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(interval, stoppingToken);
                await RunOnceAsync(name, work, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary><paramref name="work"/> as a round of the cluster's: it runs only while this process leads.</summary>
    private Func<CancellationToken, Task> Leading(Func<CancellationToken, Task> work) =>
        ct => leadership.IsLeader ? work(ct) : Task.CompletedTask;

    private async Task RunOnceAsync(string name, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        try
        {
            await work(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogLoopFailed(e, name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Background {Task} failed; it runs again on schedule")]
    private partial void LogLoopFailed(Exception exception, string task);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prefetch: {Images} images, {Blobs} blobs fetched ({Bytes} bytes), {Failed} failed")]
    private partial void LogPrefetched(int images, int blobs, long bytes, int failed);
}
