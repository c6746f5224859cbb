using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// The clocks of a fill and the one token that stops it: the stall timeout (the upstream sent less than
/// <see cref="UpstreamPolicyOptions.MinBodyRate"/> × <see cref="UpstreamPolicyOptions.StallTimeout"/> bytes
/// while the fill waited on it for <see cref="UpstreamPolicyOptions.StallTimeout"/>), the orphan bound (no client has waited for
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
    private readonly long _windowBytes;
    private readonly TimeProvider _time;
    private readonly ITimer _stall;
    private readonly ITimer _orphan;
    private int _leases;
    private UpstreamFailure? _reason;
    private bool _ended;

    // The stall window, touched only by the producer (ExpectBytes, Received, PauseStallClock) and read by
    // the stall timer: how long the fill has waited on the upstream in this window, and what came in it.
    private TimeSpan _waited;
    private long _windowReceived;
    private long _armedAt;

    public FillWatchdog(PullThroughOptions options, UpstreamPolicyOptions policy, TimeProvider time)
    {
        _options = options;
        _stallTimeout = policy.StallTimeout;
        _windowBytes = (long)(policy.MinBodyRate * policy.StallTimeout.TotalSeconds);
        _time = time;
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
    /// Runs the stall clock before a read of the upstream body, for what is left of the window: a window
    /// starts afresh once it brought its bytes (any byte, without a minimum rate), so one byte every 29 s
    /// does not keep a fill alive when the rate asks for more.
    /// </summary>
    public void ExpectBytes()
    {
        _armedAt = _time.GetTimestamp();
        _stall.Change(_stallTimeout - _waited, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Counts what a read of the upstream body brought into the window.</summary>
    public void Received(int count)
    {
        Interlocked.Add(ref _windowReceived, count);
    }

    /// <summary>Stops the stall clock while the fill waits for its own readers, not for the upstream.</summary>
    public void PauseStallClock()
    {
        _stall.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (_armedAt != 0)
        {
            _waited += _time.GetElapsedTime(_armedAt);
            _armedAt = 0;
        }

        var received = Interlocked.Read(ref _windowReceived);
        if ((received > 0 && received >= _windowBytes) || _waited >= _stallTimeout)
        {
            _waited = TimeSpan.Zero;
            Interlocked.Exchange(ref _windowReceived, 0);
        }
    }

    private void Stalled()
    {
        var received = Interlocked.Read(ref _windowReceived);
        var seconds = _stallTimeout.TotalSeconds;
        Abort(new UpstreamFailure(UpstreamFailureKind.Timeout, received == 0
            ? $"upstream sent nothing for {seconds:0.#}s"
            : $"upstream sent {received} bytes in {seconds:0.#}s, below UpstreamPolicy:MinBodyRate ({_windowBytes / seconds:0} bytes/s)"));
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
