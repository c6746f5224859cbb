using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OciCache.Storage;

/// <summary>
/// Removes leftovers of writes a previous process never finished, before the server serves: temp files,
/// and upload sessions that died between creating their file and recording their row (or the reverse).
/// Registered ahead of the lifecycle service, so it runs before any background work.
/// </summary>
internal sealed partial class StartupCleanup(IBlobStore store, IUploadIndex index, ILogger<StartupCleanup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var removed = store.CleanTemp();
        var sessions = (await index.ListUploadsAsync(cancellationToken)).ToDictionary(u => u.Id);
        foreach (var file in store.EnumerateFiles(StoreArea.Uploads))
        {
            if (!sessions.Remove(file.Name) && store.Remove(file))
            {
                removed++;
            }
        }

        foreach (var orphan in sessions.Keys)
        {
            await index.DeleteUploadAsync(orphan);
            removed++;
        }

        if (removed > 0)
        {
            LogRemoved(removed);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} unfinished writes (temp files, dead upload sessions) from an earlier run")]
    private partial void LogRemoved(int count);
}
