using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OciCache.Oci;

using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Records <see cref="TrafficHistory"/> and flushes the pull counts once a minute on the injected clock, and
/// once more when the server stops. The history is recorded by the cluster's leader only
/// (<see cref="ILeadership"/>); pull counts are this process's own and added to the shared counts by every replica.
/// </summary>
internal sealed partial class TrafficHistoryService(
    TrafficHistory history, PullCounter pulls, TimeProvider time, ILeadership leadership, ILogger<TrafficHistoryService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RecordAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await RecordAsync();
    }

    private async Task RecordAsync()
    {
        try
        {
            if (leadership.IsLeader)
            {
                await history.RecordAsync();
            }

            await pulls.FlushAsync();
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or FailureException or InvalidOperationException or IOException)
        {
            LogRecordFailed(e.Message); // the counts stay for the next minute
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Traffic history not recorded: {Reason}")]
    private partial void LogRecordFailed(string reason);
}
