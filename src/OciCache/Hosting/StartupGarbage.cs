namespace OciCache.Hosting;

/// <summary>
/// Gives back the memory start-up used once: reading the settings, building the host, the container and the
/// routes leaves a few MiB of garbage and touched heap that a server with no request to serve keeps resident
/// until its allocations make the collector run. One aggressive collection (compacting, and giving free
/// memory back to the system), on a thread-pool thread once the server listens, returns it: a few
/// milliseconds once, after the server already answers. For <c>serve</c> only; tests build many servers in one
/// process and leave the collector alone.
/// </summary>
internal static class StartupGarbage
{
    public static void CollectWhenStarted(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStarted.Register(static () => ThreadPool.UnsafeQueueUserWorkItem(
            static _ => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true), null));
}
