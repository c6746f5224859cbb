using OciCache.Storage;

namespace OciCache.Hosting;

/// <summary>Removes leftovers of writes a previous process never finished, before the server serves.</summary>
internal sealed partial class StartupCleanup(IBlobStore store, ILogger<StartupCleanup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var removed = store.CleanTemp();
        if (removed > 0)
        {
            LogRemoved(removed);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} unfinished temp files from an earlier run")]
    private partial void LogRemoved(int count);
}
