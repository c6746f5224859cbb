namespace OciCache.Hosting;

/// <summary>
/// Gives back the memory start-up used once: reading the settings, building the host, the container and the
/// routes leaves a few MiB of garbage and touched heap that a server with no request to serve keeps resident
/// until its allocations make the collector run, and maps most of the executable's code and read-only data
/// (<see cref="StartupPages"/>). One aggressive collection (compacting, and giving free memory back to the
/// system), then the release of the executable's start-up pages, on a thread-pool thread once the server
/// listens: a few milliseconds once, after the server already answers. For <c>serve</c> only; tests build many
/// servers in one process and leave the collector alone.
/// </summary>
internal static partial class StartupGarbage
{
    public static void CollectWhenStarted(IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("OciCache");
        lifetime.ApplicationStarted.Register(() => ThreadPool.UnsafeQueueUserWorkItem(
            static logger =>
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                LogReleased(logger, StartupPages.Release() / 1024.0);
            }, logger, preferLocal: false));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Start-up done: {MiB:F1} MiB of the executable's start-up pages released")]
    private static partial void LogReleased(ILogger logger, double miB);
}
