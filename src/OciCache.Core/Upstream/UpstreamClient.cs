using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OciCache.Observability;
using OciCache.Oci;
using OciCache.Registry;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace OciCache.Upstream;

/// <summary>
/// The cache's requests to its upstreams, addressed by what they are for (a blob, a manifest, the tags of a
/// mirror repository), never by a path: URLs come from <see cref="RegistryPath"/> alone. Each request goes
/// through the upstream's resilience pipeline up to its response headers; the body is the caller's to
/// stream. Failures come back classified, never thrown.
/// </summary>
public sealed partial class UpstreamClient : IDisposable
{
    private static readonly ProductInfoHeaderValue UserAgent = new("ocicache", "1.0");

    private readonly Dictionary<string, UpstreamEndpoint> _endpoints;
    private readonly CacheMetrics _metrics;
    private readonly OfflineSwitch _offline;
    private readonly ILogger<UpstreamClient> _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _listingTimeout;

    public UpstreamClient(
        IReadOnlyDictionary<string, UpstreamOptions> upstreams, UpstreamPolicyOptions policy, TokenCache tokens,
        CacheMetrics metrics, OfflineSwitch offline, ILogger<UpstreamClient> logger, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _listingTimeout = policy.ListingTimeout;
        _metrics = metrics;
        _offline = offline;
        _logger = logger;
        _endpoints = upstreams.ToDictionary(
            u => u.Key,
            u => new UpstreamEndpoint(u.Key, u.Value, policy, tokens, (name, state, reason) => LogBreaker(name, state, reason, policy.BreakDuration)),
            StringComparer.OrdinalIgnoreCase);
        metrics.Observe("upstream_ratelimit_remaining", () => _endpoints.Values
                .Where(e => e.RateLimit.Remaining is not null)
                .Select(e => new System.Diagnostics.Metrics.Measurement<long>(e.RateLimit.Remaining!.Value, new KeyValuePair<string, object?>("upstream", e.Name))),
            "Pulls the upstream says remain (Docker Hub's ratelimit-remaining).");
    }

    public UpstreamEndpoint Endpoint(string upstream) => _endpoints[upstream];

    /// <summary>Every configured upstream, by name.</summary>
    public IEnumerable<UpstreamEndpoint> Endpoints => _endpoints.Values.OrderBy(e => e.Name, StringComparer.Ordinal);

    /// <summary>HEAD of a blob of a mirror repository; a 2xx response is the caller's to dispose.</summary>
    public Task<UpstreamResult> HeadBlobAsync(Repository repository, Digest digest, CancellationToken cancellationToken) =>
        SendAsync(repository, HttpMethod.Head, RegistryPath.Blob(repository, digest), null, cancellationToken);

    /// <summary>GET of a blob, answered once the headers arrived: the body is the caller's to stream and dispose.</summary>
    public Task<UpstreamResult> GetBlobAsync(Repository repository, Digest digest, CancellationToken cancellationToken) =>
        SendAsync(repository, HttpMethod.Get, RegistryPath.Blob(repository, digest), null, cancellationToken);

    /// <summary>HEAD of a manifest with every manifest type the cache stores accepted (Docker Hub does not count it as a pull).</summary>
    public Task<UpstreamResult> HeadManifestAsync(Repository repository, Reference reference, CancellationToken cancellationToken) =>
        SendAsync(repository, HttpMethod.Head, RegistryPath.Manifest(repository, reference), MediaTypes.ManifestAccept, cancellationToken);

    /// <summary>GET of a manifest with every manifest type the cache stores accepted.</summary>
    public Task<UpstreamResult> GetManifestAsync(Repository repository, Reference reference, CancellationToken cancellationToken) =>
        SendAsync(repository, HttpMethod.Get, RegistryPath.Manifest(repository, reference), MediaTypes.ManifestAccept, cancellationToken);

    /// <summary>
    /// The upstream's tags of a mirror repository, <paramref name="pageSize"/> a page, following
    /// <c>Link: &lt;…&gt;; rel="next"</c> for at most <paramref name="maxPages"/> pages. Each next page is
    /// requested from the <c>n</c> and <c>last</c> of the link, never from its path. A page that fails ends
    /// the listing: the result holds the tags read so far and the failure.
    /// </summary>
    public async Task<UpstreamTagList> ListTagsAsync(Repository repository, int pageSize, int maxPages, CancellationToken cancellationToken)
    {
        var tags = new List<string>();
        PageQuery? page = new PageQuery(pageSize, null);
        for (var pages = 0; pages < maxPages && page is { } current; pages++)
        {
            using var listing = await GetPageAsync(UpstreamOf(repository), RegistryPath.Tags(repository, current), null, "tag list", cancellationToken);
            if (listing.Json is not { } json)
            {
                return new UpstreamTagList(tags, listing.Failure);
            }

            if (json.RootElement.ValueKind == JsonValueKind.Object &&
                json.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                tags.AddRange(list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!));
            }

            page = NextPage(listing.Links, current, pageSize);
        }

        return new UpstreamTagList(tags, null);
    }

    /// <summary>The page after <paramref name="current"/> that the response's links point to, or null (none, or no progress).</summary>
    private static PageQuery? NextPage(IReadOnlyList<string> links, PageQuery current, int pageSize) =>
        LinkHeader.FindNext(links) is { } target &&
        PageQuery.TryFromLinkTarget(target, out var next) && next.Last != current.Last
            ? next with { N = next.N ?? pageSize }
            : null;

    private static string UpstreamOf(Repository repository) =>
        repository.Upstream ?? throw new ArgumentException($"{repository} is not a mirror repository", nameof(repository));

    /// <summary>
    /// Sends a GET or HEAD for <paramref name="path"/> to the repository's upstream and returns the response
    /// once its headers arrived, or the classified failure. A 2xx response is the caller's to dispose.
    /// </summary>
    private Task<UpstreamResult> SendAsync(
        Repository repository, HttpMethod method, RegistryPath path, IReadOnlyList<string>? accept, CancellationToken cancellationToken) =>
        SendAsync(UpstreamOf(repository), method, path, accept, cancellationToken);

    private async Task<UpstreamResult> SendAsync(
        string upstream, HttpMethod method, RegistryPath path, IReadOnlyList<string>? accept, CancellationToken cancellationToken)
    {
        var endpoint = _endpoints[upstream];
        if (_offline.IsOn)
        {
            return new UpstreamResult(null, OfflineSwitch.Failure);
        }

        var result = await SendCoreAsync(endpoint, method, path, accept, cancellationToken);
        var change = endpoint.Health.Record(result.Failure, _time.GetUtcNow());
        _metrics.UpstreamRequests.Add(1,
            new KeyValuePair<string, object?>("upstream", endpoint.Name),
            new KeyValuePair<string, object?>("method", method.Method),
            new KeyValuePair<string, object?>("outcome", result.Failure?.Kind.ToString() ?? "Ok"));
        if (result.Failure is { Kind: UpstreamFailureKind.Unauthorized } refused && endpoint.Username is { } username)
        {
            // Not an outage to wait out: the configuration is wrong (or the account lost access) until someone fixes it.
            LogCredentialsRefused(endpoint.Name, username, method.Method, path.Value, refused.Reason);
        }
        else if (change == UpstreamHealthChange.Failing && !endpoint.IsBroken)
        {
            // One line when the upstream starts failing, not one per request; when this failure opened the
            // breaker, the breaker's line has said it with the reason.
            LogFailing(endpoint.Name, method.Method, path.Value, result.Failure!.Kind, result.Failure.Reason);
        }
        else if (change == UpstreamHealthChange.Recovered)
        {
            LogRecovered(endpoint.Name);
        }

        return result;
    }

    public void Dispose()
    {
        foreach (var endpoint in _endpoints.Values)
        {
            endpoint.Dispose();
        }
    }

    private async Task<UpstreamResult> SendCoreAsync(
        UpstreamEndpoint endpoint, HttpMethod method, RegistryPath path, IReadOnlyList<string>? accept, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await endpoint.Pipeline.ExecuteAsync(async token =>
            {
                var request = new HttpRequestMessage(method, path.ResolveAgainst(endpoint));
                request.Headers.UserAgent.Add(UserAgent);
                foreach (var type in accept ?? [])
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                }

                return await endpoint.Invoker.SendAsync(request, token);
            }, cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            return UpstreamResult.Fail(UpstreamFailureKind.Unreachable,
                endpoint.BreakReason is { } reason ? $"circuit open after repeated failures: {reason}" : "circuit open after repeated failures");
        }
        catch (TimeoutRejectedException)
        {
            return UpstreamResult.Fail(UpstreamFailureKind.Timeout, "no response in time");
        }
        catch (HttpRequestException e)
        {
            return UpstreamResult.Fail(UpstreamFailureKind.Unreachable, FailureText.Describe(e));
        }
        catch (FailureException e) when (e.Failure is UpstreamFailure refused)
        {
            return new UpstreamResult(null, refused); // the token service refused (TokenCache)
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return UpstreamResult.Fail(UpstreamFailureKind.Timeout, "connect timed out");
        }

        if (endpoint.RateLimit.Observe(response) && endpoint.RateLimit.IsLow)
        {
            LogRateLimitLow(endpoint.Name, endpoint.RateLimit.Remaining!.Value, endpoint.RateLimit.Limit);
        }

        if (response.IsSuccessStatusCode)
        {
            return UpstreamResult.Ok(response);
        }

        var failure = UpstreamHttpStatus.Classify(UpstreamHttpStatus.Of(response), response.Headers.RetryAfter?.Delta);
        response.Dispose();
        return new UpstreamResult(null, failure);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Upstream} is failing: {Kind} ({Detail}) on {Method} {Path}; further failures are not logged until it answers again or its circuit opens")]
    private partial void LogFailing(string upstream, string method, string path, UpstreamFailureKind kind, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upstream {Upstream} answers again")]
    private partial void LogRecovered(string upstream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Upstream} refused the configured credentials of {Username} for {Method} {Path} ({Detail}); check Upstreams:{Upstream}:Username and Password, and that the account may pull the repository")]
    private partial void LogCredentialsRefused(string upstream, string username, string method, string path, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Upstream} rate limit is low: {Remaining} of {Limit} pulls remain")]
    private partial void LogRateLimitLow(string upstream, long remaining, long? limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Upstream} circuit is now {State} after repeated failures ({Reason}): not contacted for {BreakDuration}")]
    private partial void LogBreaker(string upstream, CircuitState state, string reason, TimeSpan breakDuration);
}
