using OciCache.Oci;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace OciCache.Upstream;

/// <summary>
/// One configured upstream: its pooled HTTP handler chain, its resilience pipeline (total budget, retry
/// with jitter, circuit breaker, per-attempt header timeout) and what it last said about its rate limit.
/// </summary>
public sealed class UpstreamEndpoint : IDisposable
{
    private readonly CircuitBreakerStateProvider _breaker = new();

    internal UpstreamEndpoint(string name, UpstreamOptions options, UpstreamPolicyOptions policy, TokenCache tokens, Action<string, CircuitState, string> onBreak)
    {
        Name = name;
        Username = options.Username is { Length: > 0 } username ? username : null;
        (BaseUri, RepositoryPrefix) = SplitUrl(options.Url);
        Invoker = new UpstreamHttpClientFactory(BaseUri, options, policy, tokens).Create();
        Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(policy.TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(1, policy.Retries), // Polly needs at least one; ShouldHandle is false when Retries is 0
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                // Retry what another attempt can fix; a timeout or a rate limit only gets worse when repeated.
                ShouldHandle = args => ValueTask.FromResult(policy.Retries > 0 && IsWorthRetrying(args.Outcome.Exception, args.Outcome.Result)),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = 0.5,
                MinimumThroughput = Math.Max(2, policy.BreakAfterFailures),
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = policy.BreakDuration,
                StateProvider = _breaker,
                ShouldHandle = args => ValueTask.FromResult(CountsAsFailure(args.Outcome.Exception, args.Outcome.Result)),
                OnOpened = args =>
                {
                    BreakReason = Describe(args.Outcome);
                    onBreak(name, CircuitState.Open, BreakReason);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(policy.ResponseTimeout)
            .Build();
    }

    public string Name { get; }

    /// <summary>The URL below which <c>v2/</c> is (the configured URL up to a <c>/v2/</c> segment), with a trailing slash.</summary>
    public Uri BaseUri { get; }

    /// <summary>
    /// The name prefix of the upstream's repositories, from a URL with a path past <c>/v2/</c>
    /// (<c>http://hq:5000/v2/docker.io</c>: another OciCache's mirror of docker.io), or null.
    /// </summary>
    public string? RepositoryPrefix { get; }

    /// <summary>Splits <c>scheme://host[/base]/v2/prefix</c> into the base URL and the repository prefix.</summary>
    public static (Uri BaseUri, string? Prefix) SplitUrl(string url)
    {
        var trimmed = url.TrimEnd('/');
        var uri = new Uri(trimmed + "/");
        var path = uri.AbsolutePath;
        var v2 = path.IndexOf("/v2/", StringComparison.Ordinal);
        if (v2 < 0 || path.Length <= v2 + 4)
        {
            return (uri, null);
        }

        var prefix = Uri.UnescapeDataString(path[(v2 + 4)..].TrimEnd('/'));
        return (new Uri(uri, path[..(v2 + 1)]), prefix.Length == 0 ? null : prefix);
    }

    /// <summary>The configured user the upstream's token service or Basic auth gets, or null for anonymous pulls.</summary>
    public string? Username { get; }

    /// <summary>The handler chain (redirects, auth, pooled connections) for this upstream.</summary>
    public HttpMessageInvoker Invoker { get; }

    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    public RateLimitTracker RateLimit { get; } = new();

    /// <summary>Its last answer and its last outage with the reason.</summary>
    public UpstreamHealth Health { get; } = new();

    /// <summary>The failure that last opened the breaker, e.g. <c>connection refused</c>; null before it ever opened.</summary>
    public string? BreakReason { get; private set; }

    /// <summary>True while the breaker keeps this upstream from being contacted.</summary>
    public bool IsBroken => _breaker.CircuitState is CircuitState.Open or CircuitState.Isolated;

    public void Dispose() => Invoker.Dispose();

    /// <summary>The attempt that opened the breaker, in the words of <see cref="FailureText"/>: never a URL or a credential.</summary>
    private static string Describe(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException } => "no response in time",
        { Exception: FailureException { Failure: UpstreamFailure } } => "token service refused",
        { Exception: { } e } => FailureText.Describe(e),
        { Result: { } response } => $"upstream answered {UpstreamHttpStatus.Of(response)}",
        _ => "failed",
    };

    /// <summary>
    /// What the circuit breaker counts against an upstream: transport failures (refused, reset, DNS, TLS,
    /// a connect that timed out), no response in time, a token service that refused, 5xx and 429.
    /// </summary>
    /// <remarks>
    /// .NET reports a connect timeout as a cancellation wrapping a <see cref="TimeoutException"/>, not as an
    /// <see cref="HttpRequestException"/>: on a link where packets vanish, that is the only failure there is.
    /// </remarks>
    internal static bool CountsAsFailure(Exception? exception, HttpResponseMessage? response) => exception switch
    {
        HttpRequestException or TimeoutRejectedException or FailureException { Failure: UpstreamFailure } => true,
        OperationCanceledException { InnerException: TimeoutException } => true,
        null => response is { } r && UpstreamHttpStatus.CountsAsFailure(r),
        _ => false,
    };

    /// <summary>
    /// What is retried: a connection refused or reset, and 500/502/503/504. Not a timeout (connect or
    /// response): on a dead link another attempt only costs the same time again; not a 429.
    /// </summary>
    internal static bool IsWorthRetrying(Exception? exception, HttpResponseMessage? response) => exception switch
    {
        HttpRequestException => true,
        null => response is { } r && UpstreamHttpStatus.IsWorthRetrying(r),
        _ => false,
    };
}
