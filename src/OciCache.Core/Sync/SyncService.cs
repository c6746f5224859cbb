using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OciCache.Lifecycle;
using OciCache.Storage;

namespace OciCache.Sync;

/// <summary>
/// Runs every sync job beside the server: shortly after start, then each <see cref="SyncJob.Interval"/>
/// after the previous run ended, on the injected <see cref="TimeProvider"/>. Jobs run side by side, each
/// one run at a time. A run that fails is logged and the job carries on at its next interval; none can
/// stop the server. With several replicas only the leader runs a job (<see cref="ILeadership"/>): another
/// replica skips the run and asks again at the next interval.
/// </summary>
public sealed partial class SyncService(Lazy<SyncRunner> runner, SyncOptions options, TimeProvider time, ILeadership leadership, ILogger<SyncService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Jobs.Select((job, i) => LoopAsync(job, job.NameOrDefault(i), stoppingToken)));

    private async Task LoopAsync(SyncJob job, string name, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(LifecycleService.PrefetchStartDelay, time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (leadership.IsLeader)
                    {
                        await runner.Value.RunAsync(job, name, null, stoppingToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogRunFailed(e, name);
                }

                await Task.Delay(job.Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sync {Job} failed; it runs again at its next interval")]
    private partial void LogRunFailed(Exception exception, string job);
}
