namespace OciCache.Upstream;

/// <summary>
/// The one place that reads an upstream's HTTP status: what a failed answer means
/// (<see cref="Classify"/>, an <see cref="UpstreamFailure"/>), what the breaker counts and what is retried,
/// which answers are redirects or challenges. Statuses are numbers here; nothing else in Core names one.
/// </summary>
internal static class UpstreamHttpStatus
{
    private const int SeeOther = 303;
    private const int Unauthorized = 401;
    private const int Forbidden = 403;
    private const int NotFound = 404;
    private const int TooManyRequests = 429;

    /// <summary>A failed answer (not 2xx) as a classified failure; <paramref name="retryAfter"/> from a 429's header.</summary>
    public static UpstreamFailure Classify(int status, TimeSpan? retryAfter) => status switch
    {
        NotFound => new(UpstreamFailureKind.NotFound, "not found upstream"),
        Unauthorized or Forbidden => new(UpstreamFailureKind.Unauthorized, $"upstream answered {status}"),
        TooManyRequests => new(UpstreamFailureKind.RateLimited,
            retryAfter is { } wait ? $"rate limited; retry after {wait.TotalSeconds:0}s" : "rate limited"),
        >= 500 => new(UpstreamFailureKind.ServerError, $"upstream answered {status}"),
        _ => new(UpstreamFailureKind.Rejected, $"upstream answered {status}"),
    };

    /// <summary>5xx and 429: answers the circuit breaker counts against the upstream.</summary>
    public static bool CountsAsFailure(HttpResponseMessage response) => Of(response) is >= 500 or TooManyRequests;

    /// <summary>500, 502, 503, 504: answers worth another attempt.</summary>
    public static bool IsWorthRetrying(HttpResponseMessage response) => Of(response) is 500 or 502 or 503 or 504;

    /// <summary>A 401: the auth handler answers its challenge.</summary>
    public static bool IsChallenge(HttpResponseMessage response) => Of(response) == Unauthorized;

    /// <summary>301, 302, 303, 307, 308: the redirect handler follows them.</summary>
    public static bool IsRedirect(HttpResponseMessage response) => Of(response) is 301 or 302 or SeeOther or 307 or 308;

    /// <summary>A 303, after which the next hop is a GET (a HEAD stays a HEAD).</summary>
    public static bool IsSeeOther(HttpResponseMessage response) => Of(response) == SeeOther;

    /// <summary>The status as a number, for logs and failure texts.</summary>
    public static int Of(HttpResponseMessage response) => (int)response.StatusCode;
}
