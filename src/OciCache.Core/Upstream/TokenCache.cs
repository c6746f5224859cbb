using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using OciCache.Oci;

namespace OciCache.Upstream;

/// <summary>
/// Bearer tokens by (realm, service, scope, identity), kept until shortly before they expire. Tokens are
/// fetched anonymously unless the caller passes credentials, which it only does for the realm its own
/// upstream named.
/// </summary>
public sealed class TokenCache(IMemoryCache cache, TimeProvider time)
{
    /// <summary>Docker's token spec: a token without <c>expires_in</c> lives 60 seconds.</summary>
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(10);

    private readonly record struct Key(string Realm, string Service, string Scope, string Identity);

    public string? TryGet(AuthChallenge challenge, string scope, string? username) =>
        cache.TryGetValue(KeyOf(challenge, scope, username), out string? token) ? token : null;

    /// <summary>
    /// Fetches a token from the challenge's realm with <paramref name="send"/> (a handler that adds no
    /// credentials of its own), caches it and returns it.
    /// </summary>
    /// <exception cref="FailureException">An <see cref="UpstreamFailure"/> of kind Unauthorized: the realm refused or answered something that is not a token.</exception>
    public async Task<string> FetchAsync(
        AuthChallenge challenge, string scope, NetworkCredential? credentials,
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || realm.Scheme is not ("http" or "https"))
        {
            throw Refused($"challenge realm '{challenge.Realm}' is not an http(s) URL");
        }

        var query = new List<string>();
        if (challenge.Service is { Length: > 0 } service)
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        if (scope.Length > 0)
        {
            query.Add("scope=" + Uri.EscapeDataString(scope));
        }

        var builder = new UriBuilder(realm);
        builder.Query = string.Join('&', new[] { builder.Query.TrimStart('?') }.Where(q => q.Length > 0).Concat(query));
        using var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}")));
        }

        using var response = await send(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw Refused($"token endpoint {realm.Host} answered {UpstreamHttpStatus.Of(response)}");
        }

        var (token, lifetime) = await ReadTokenAsync(response, cancellationToken);
        var keep = lifetime > Margin * 2 ? lifetime - Margin : lifetime;
        cache.Set(KeyOf(challenge, scope, credentials?.UserName), token,
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = time.GetUtcNow() + keep });
        return token;
    }

    private static async Task<(string Token, TimeSpan Lifetime)> ReadTokenAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var json = await BoundedBody.ReadJsonAsync(response, BoundedBody.MaxTokenBytes, "token answer", cancellationToken);
            var root = json.RootElement;
            var token = root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : root.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()
                : null;
            if (string.IsNullOrEmpty(token))
            {
                throw Refused("token endpoint answered without a token");
            }

            var lifetime = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : DefaultLifetime;
            return (token, lifetime);
        }
        catch (JsonException)
        {
            throw Refused("token endpoint answered something that is not JSON");
        }
        catch (UpstreamBodyTooLargeException e)
        {
            throw Refused(e.Message);
        }
    }

    /// <summary>Thrown through the handler chain (it unwinds HttpClient and Polly); UpstreamClient returns the failure it carries.</summary>
    private static FailureException Refused(string reason) => new(new UpstreamFailure(UpstreamFailureKind.Unauthorized, reason));

    private static Key KeyOf(AuthChallenge challenge, string scope, string? username) =>
        new(challenge.Realm ?? "", challenge.Service ?? "", scope, username ?? "");
}

/// <summary>A username and password for one upstream.</summary>
public sealed record NetworkCredential(string UserName, string Password);
