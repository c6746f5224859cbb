namespace OciCache.Upstream;

/// <summary>
/// What an upstream last did, for the console: the time of its last answer that was not an outage (a 404
/// is an answer) and of its last outage with the reason. Written by <see cref="UpstreamClient"/> after every
/// request; read as one consistent <see cref="Snapshot"/>.
/// </summary>
public sealed class UpstreamHealth
{
    private readonly object _gate = new();
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _lastError;
    private string? _lastErrorReason;
    private bool _failing;

    /// <returns>
    /// <see cref="UpstreamHealthChange.Failing"/> for the first outage after an answer (or since the start),
    /// <see cref="UpstreamHealthChange.Recovered"/> for the first answer after an outage, else
    /// <see cref="UpstreamHealthChange.None"/>: what is worth one log line, rather than every request.
    /// </returns>
    public UpstreamHealthChange Record(UpstreamFailure? failure, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (failure is { IsOutage: true, Kind: not UpstreamFailureKind.Offline })
            {
                _lastError = at;
                _lastErrorReason = failure.ToString();
                return Change(failing: true);
            }

            if (failure is null or { Kind: UpstreamFailureKind.NotFound })
            {
                _lastSuccess = at;
                return Change(failing: false);
            }

            return UpstreamHealthChange.None;
        }
    }

    private UpstreamHealthChange Change(bool failing)
    {
        if (failing == _failing)
        {
            return UpstreamHealthChange.None;
        }

        _failing = failing;
        return failing ? UpstreamHealthChange.Failing : UpstreamHealthChange.Recovered;
    }

    public UpstreamHealthSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new UpstreamHealthSnapshot(_lastSuccess, _lastError, _lastErrorReason);
        }
    }
}

/// <summary>The last answer and the last outage of an upstream (null: none since the start).</summary>
public sealed record UpstreamHealthSnapshot(DateTimeOffset? LastSuccess, DateTimeOffset? LastError, string? LastErrorReason)
{
    /// <summary><c>down</c> while the breaker is open; <c>degraded</c> when the last request failed; else <c>reachable</c>.</summary>
    public string State(bool broken) =>
        broken ? "down" : LastError is { } error && (LastSuccess is not { } success || error > success) ? "degraded" : "reachable";
}

/// <summary>A change of an upstream between answering and failing, as <see cref="UpstreamHealth.Record"/> saw it.</summary>
public enum UpstreamHealthChange
{
    None,
    Failing,
    Recovered,
}
