using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OciCache.Observability;

namespace OciCache.Sync;

/// <summary>
/// Sync progress on <c>/metrics</c>, by <c>job</c>: counts of bytes, images, failures and runs
/// (<c>ocicache_sync_*_total</c>), and levels: whether a run is going on, bytes received by it so far, and
/// when the job last finished a run with no failure.
/// </summary>
public sealed class SyncMetrics
{
    private readonly ConcurrentDictionary<string, SyncRun> _running = new();
    private readonly ConcurrentDictionary<string, long> _lastSuccess = new();
    private readonly TimeProvider _time;

    public SyncMetrics(CacheMetrics metrics, TimeProvider time)
    {
        _time = time;
        Bytes = metrics.Declare("sync_bytes", "Blob bytes sync jobs fetched and stored.", "By", "job");
        Images = metrics.Declare("sync_images", "Images (tags and referrers) sync jobs copied whole.", null, "job");
        Failures = metrics.Declare("sync_failures", "Images or listings a sync run could not copy.", null, "job");
        Unsigned = metrics.Declare("sync_unsigned", "Images sync jobs found unsigned or invalid under a Trust:Policies rule, by its mode: enforce (not stored, a failure) or warn (stored).", null, "job", "mode");
        Runs = metrics.Declare("sync_runs", "Sync runs by outcome: ok, failed (something could not be copied) or offline (skipped).", null, "job", "outcome");
        metrics.Observe("sync_running", () => _running.Keys.Select(j => Measure(1, j)), "1 while a run of the job goes on.");
        metrics.Observe("sync_running_bytes", () => _running.Select(r => Measure(r.Value.BytesInFlight, r.Key)), "Bytes received by the job's current run so far.");
        metrics.Observe("sync_last_success_seconds", () => _lastSuccess.Select(s => Measure(s.Value, s.Key)), "Unix time when the job last finished a run with no failure.");
    }

    public TallyCounter Bytes { get; }

    public TallyCounter Images { get; }

    public TallyCounter Failures { get; }

    public TallyCounter Runs { get; }

    public TallyCounter Unsigned { get; }

    internal IDisposable Running(SyncRun run)
    {
        _running[run.Job] = run;
        return new Done(() => _running.TryRemove(run.Job, out _));
    }

    /// <summary>One image done: its bytes, and whether it was copied whole.</summary>
    internal void Copied(SyncRun run, long bytes, bool whole)
    {
        Bytes.Add(bytes, Job(run));
        if (whole)
        {
            Images.Add(1, Job(run));
        }
    }

    internal void Finished(SyncRun run)
    {
        Failures.Add(run.Failed.Count, Job(run));
        if (run.TrustRefused > 0)
        {
            Unsigned.Add(run.TrustRefused, Job(run), new("mode", "enforce"));
        }

        if (run.TrustWarnings.Count > 0)
        {
            Unsigned.Add(run.TrustWarnings.Count, Job(run), new("mode", "warn"));
        }

        Runs.Add(1, Job(run), new("outcome", run.Skipped ? "offline" : run.Failed.Count == 0 ? "ok" : "failed"));
        if (run.Succeeded)
        {
            _lastSuccess[run.Job] = _time.GetUtcNow().ToUnixTimeSeconds();
        }
    }

    private static KeyValuePair<string, object?> Job(SyncRun run) => new("job", run.Job);

    private static Measurement<long> Measure(long value, string job) => new(value, new KeyValuePair<string, object?>("job", job));

    private sealed class Done(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
