using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// The clocks of a fill and the one token that stops it: the stall timeout (while the fill waited on the
/// upstream for <see cref="UpstreamPolicyOptions.StallTimeout"/>, it sent less than
/// <see cref="UpstreamPolicyOptions.MinBodyRate"/> allows: nothing, or a trickle), the orphan bound (no client has waited for
/// <see cref="PullThroughOptions.OrphanedFillTimeout"/>, or at once when orphaned fills are not completed),
/// and the count of leases that decides when a fill is orphaned. Timers come from the injected
/// <see cref="TimeProvider"/>, so tests move time instead of waiting for it.
/// </summary>
internal sealed class FillWatchdog : IDisposable
{
    private readonly object _gate = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly PullThroughOptions _options;
    private readonly TimeSpan _stallTimeout;
    private readonly TimeProvider _time;
    private readonly long _windowMinimum;
    private readonly ITimer _stall;
    private readonly ITimer _orphan;
    private int _leases;
    private UpstreamFailure? _reason;
    private bool _ended;
    private TimeSpan _windowLeft;
    private long _windowBytes;
    private long? _waitingSince;

    public FillWatchdog(PullThroughOptions options, UpstreamPolicyOptions policy, TimeProvider time)
    {
        _options = options;
        _time = time;
        _stallTimeout = policy.StallTimeout;
        _windowLeft = policy.StallTimeout;
        _windowMinimum = Math.Max(1, (long)(policy.MinBodyRate * policy.StallTimeout.TotalSeconds));
        _stall = time.CreateTimer(static s => ((FillWatchdog)s!).Stalled(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _orphan = time.CreateTimer(static s => ((FillWatchdog)s!).Abort(new UpstreamFailure(UpstreamFailureKind.Timeout,
            $"abandoned: no client waited for {((FillWatchdog)s!)._options.OrphanedFillTimeout}")), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancelled when the fill must stop; <see cref="Reason"/> says why.</summary>
    public CancellationToken Token => _abort.Token;

    /// <summary>Why the fill was stopped, once <see cref="Token"/> is cancelled.</summary>
    public UpstreamFailure? Reason
    {
        get { lock (_gate) { return _reason; } }
    }

    public int Leases
    {
        get { lock (_gate) { return _leases; } }
    }

    /// <summary>
    /// Runs the stall clock for a read of the upstream body, with what is left of the current window: the
    /// window starts again only once the reads in it brought <see cref="UpstreamPolicyOptions.MinBodyRate"/>
    /// times the stall timeout, so a body that trickles (one byte every 29 s) runs out of time like a silent one.
    /// </summary>
    public void ExpectBytes()
    {
        TimeSpan left;
        lock (_gate)
        {
            _waitingSince = _time.GetTimestamp();
            left = _windowLeft;
        }

        _stall.Change(left, Timeout.InfiniteTimeSpan); // outside the gate: a fake clock fires timers on the caller's thread
    }

    /// <summary>A read of the upstream body returned <paramref name="count"/> bytes: the clock stops, and the bytes count for the window.</summary>
    public void Arrived(int count)
    {
        PauseStallClock();
        lock (_gate)
        {
            _windowBytes += count;
            if (_windowBytes >= _windowMinimum)
            {
                _windowBytes = 0;
                _windowLeft = _stallTimeout;
            }
        }
    }

    /// <summary>Stops the stall clock while the fill waits for its own readers, not for the upstream.</summary>
    public void PauseStallClock()
    {
        _stall.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            if (_waitingSince is { } since)
            {
                var left = _windowLeft - _time.GetElapsedTime(since);
                _windowLeft = left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
                _waitingSince = null;
            }
        }
    }

    private void Stalled()
    {
        long got;
        lock (_gate)
        {
            got = _windowBytes;
        }

        var seconds = $"{_stallTimeout.TotalSeconds:0.#}s";
        Abort(new UpstreamFailure(UpstreamFailureKind.Timeout, got == 0
            ? $"upstream sent nothing for {seconds}"
            : $"upstream sent {got} bytes in {seconds} of waiting, below UpstreamPolicy:MinBodyRate ({_windowMinimum} bytes per {seconds})"));
    }

    public void AddLease()
    {
        lock (_gate)
        {
            _leases++;
            _orphan.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void ReleaseLease()
    {
        bool abandon;
        lock (_gate)
        {
            _leases--;
            if (_leases > 0)
            {
                return;
            }

            abandon = !_options.CompleteOrphanedFills;
            if (!abandon)
            {
                _orphan.Change(_options.OrphanedFillTimeout, Timeout.InfiniteTimeSpan);
            }
        }

        if (abandon)
        {
            Abort(new UpstreamFailure(UpstreamFailureKind.Timeout, "abandoned: no client waited for it"));
        }
    }

    /// <summary>Stops the fill for <paramref name="reason"/>; the first reason wins.</summary>
    public void Abort(UpstreamFailure reason)
    {
        lock (_gate)
        {
            if (_reason is not null || _ended)
            {
                return;
            }

            _reason = reason;
        }

        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The fill ended in the meantime.
        }
    }

    /// <summary>The fill ended: no clock may fire any more.</summary>
    public void Dispose()
    {
        _stall.Dispose();
        _orphan.Dispose();
        lock (_gate)
        {
            _ended = true;
        }

        _abort.Dispose();
    }
}
