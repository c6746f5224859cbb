namespace OciCache.Lifecycle;

/// <summary>
/// The runs of the configured pre-fetch (<c>Prefetch:Images</c>): one at a time, whether the schedule or an
/// admin (<c>POST /api/prefetch/run</c>) started it; the one running now and the last one that ended, for
/// the console.
/// </summary>
public sealed class PrefetchRuns(Prefetcher prefetcher, PrefetchOptions options, TimeProvider time)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile PrefetchRunState? _running;
    private volatile PrefetchRunState? _last;

    public PrefetchOptions Options => options;

    public PrefetchRunState? Running => _running;

    public PrefetchRunState? Last => _last;

    /// <summary>When the schedule starts the next run (null: none scheduled).</summary>
    public DateTimeOffset? NextRunAt { get; set; }

    /// <summary>Runs the configured list now; null when a run is going on already (it is not started twice).</summary>
    public async Task<PrefetchResult?> RunAsync(string startedBy, CancellationToken cancellationToken)
    {
        if (!await _gate.WaitAsync(0, cancellationToken))
        {
            return null;
        }

        var state = new PrefetchRunState(time.GetUtcNow(), startedBy);
        _running = state;
        try
        {
            var result = await prefetcher.RunAsync(options.Images, cancellationToken);
            state.Finish(result, time.GetUtcNow(), null);
            return result;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            state.Finish(prefetcher.Current, time.GetUtcNow(), e.Message);
            throw;
        }
        finally
        {
            _last = state;
            _running = null;
            _gate.Release();
        }
    }

    /// <summary>The tally of the running run (live), or of the last one.</summary>
    public PrefetchResult? CurrentTally => prefetcher.Current;
}

/// <summary>One pre-fetch run: when and by whom it started, and once it ended, its result.</summary>
public sealed class PrefetchRunState(DateTimeOffset startedAt, string startedBy)
{
    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary><c>schedule</c> or the admin who asked.</summary>
    public string StartedBy { get; } = startedBy;

    public DateTimeOffset? FinishedAt { get; private set; }

    public PrefetchResult? Result { get; private set; }

    /// <summary>Why the run stopped before the end (cancelled, an I/O failure), or null.</summary>
    public string? Error { get; private set; }

    internal void Finish(PrefetchResult? result, DateTimeOffset at, string? error)
    {
        Result = result;
        Error = error;
        FinishedAt = at;
    }
}
