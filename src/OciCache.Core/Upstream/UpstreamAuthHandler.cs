using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace OciCache.Upstream;

/// <summary>
/// Authenticates requests to one upstream and to the hosts it redirects to. It remembers each host's
/// challenge so later requests carry a cached token up front, and on a 401 fetches a token and retries
/// once. The upstream's configured credentials go only to the upstream's own host (Basic) or to the token
/// realm that the upstream's own challenge named, and to a realm over plain http only when the upstream is
/// http itself; any other host gets anonymous token flows only.
/// Requests arrive without an Authorization header of their own: a client's credentials never reach here.
/// </summary>
internal sealed partial class UpstreamAuthHandler(
    Uri upstream, NetworkCredential? credentials, TokenCache tokens) : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, AuthChallenge> _challenges = new(StringComparer.OrdinalIgnoreCase);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var host = request.RequestUri!.Authority;
        var ownHost = host.Equals(upstream.Authority, StringComparison.OrdinalIgnoreCase);
        var scope = ScopeFor(request.RequestUri);
        if (_challenges.TryGetValue(host, out var known))
        {
            Authorize(request, known, scope is null ? null : tokens.TryGet(known, scope, IdentityFor(ownHost)), ownHost);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (!UpstreamHttpStatus.IsChallenge(response))
        {
            return response;
        }

        var challenges = AuthChallenge.ParseAll(
            response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values) ? values : []);
        var bearer = challenges.FirstOrDefault(c => c.IsBearer && c.Realm is not null);
        var basic = challenges.FirstOrDefault(c => c.IsBasic);
        string? token = null;
        if (bearer is not null)
        {
            _challenges[host] = bearer;
            var tokenScope = scope ?? bearer.Scope ?? "";
            var realmCredentials = ownHost && DestinationPolicy.MayCarryCredentials(upstream, bearer.Realm) ? credentials : null;
            token = await tokens.FetchAsync(bearer, tokenScope, realmCredentials,
                (r, ct) => base.SendAsync(r, ct), cancellationToken);
        }
        else if (basic is null || !ownHost || credentials is null)
        {
            return response; // nothing we may answer this challenge with
        }
        else
        {
            _challenges[host] = basic;
        }

        response.Dispose();
        using var retry = Clone(request);
        Authorize(retry, bearer ?? basic!, token, ownHost);
        return await base.SendAsync(retry, cancellationToken);
    }

    private void Authorize(HttpRequestMessage request, AuthChallenge challenge, string? token, bool ownHost)
    {
        if (challenge.IsBearer && token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (challenge.IsBasic && ownHost && credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}")));
        }
    }

    private string? IdentityFor(bool ownHost) => ownHost ? credentials?.UserName : null;

    /// <summary>The pull scope of a registry API path (<c>/v2/&lt;name&gt;/manifests/…</c>), or null for other URLs.</summary>
    internal static string? ScopeFor(Uri uri) =>
        RepositoryPath().Match(uri.AbsolutePath) is { Success: true } match ? $"repository:{match.Groups[1].Value}:pull" : null;

    private static HttpRequestMessage Clone(HttpRequestMessage request)
    {
        var clone = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
        foreach (var (name, value) in request.Headers.NonValidated)
        {
            if (!name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                clone.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return clone;
    }

    [GeneratedRegex("^/v2/(.+?)/(?:manifests|blobs|tags|referrers)/")]
    private static partial Regex RepositoryPath();
}
