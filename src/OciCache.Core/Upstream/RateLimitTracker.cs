namespace OciCache.Upstream;

/// <summary>
/// Docker Hub's pull allowance as its responses report it (<c>ratelimit-limit: 100;w=21600</c>,
/// <c>ratelimit-remaining: 76;w=21600</c>). Only manifest GETs count against it.
/// </summary>
public sealed class RateLimitTracker
{
    private long _limit = -1;
    private long _remaining = -1;
    private long _windowSeconds = -1;

    public long? Limit => Interlocked.Read(ref _limit) is >= 0 and var l ? l : null;

    public long? Remaining => Interlocked.Read(ref _remaining) is >= 0 and var r ? r : null;

    /// <summary>The window the allowance renews over (<c>w=21600</c>: six hours), once said; Docker Hub gives no reset time.</summary>
    public TimeSpan? Window => Interlocked.Read(ref _windowSeconds) is > 0 and var w ? TimeSpan.FromSeconds(w) : null;

    /// <summary>True when the remaining allowance is at or below a tenth of the limit (at least 5).</summary>
    public bool IsLow => Remaining is { } remaining && remaining <= Math.Max(5, (Limit ?? 100) / 10);

    /// <summary>Records the headers of a response; returns true when they carried a new remaining count.</summary>
    public bool Observe(HttpResponseMessage response)
    {
        if (ReadFirst(response, "ratelimit-limit") is { } limit)
        {
            Interlocked.Exchange(ref _limit, limit);
        }

        if (ReadWindow(response) is { } window)
        {
            Interlocked.Exchange(ref _windowSeconds, window);
        }

        if (ReadFirst(response, "ratelimit-remaining") is not { } remaining)
        {
            return false;
        }

        return Interlocked.Exchange(ref _remaining, remaining) != remaining;
    }

    private static long? ReadWindow(HttpResponseMessage response)
    {
        if (!response.Headers.NonValidated.TryGetValues("ratelimit-limit", out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            foreach (var part in value.Split(';').Skip(1))
            {
                var trimmed = part.Trim();
                if (trimmed.StartsWith("w=", StringComparison.Ordinal) && long.TryParse(trimmed[2..], out var seconds))
                {
                    return seconds;
                }
            }
        }

        return null;
    }

    private static long? ReadFirst(HttpResponseMessage response, string header)
    {
        if (!response.Headers.NonValidated.TryGetValues(header, out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            var number = value.Split(';', 2)[0].Trim();
            if (long.TryParse(number, out var parsed))
            {
                return parsed;
            }
        }

        return null;
    }
}
