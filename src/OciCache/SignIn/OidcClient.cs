using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using OciCache.Access;
using OciCache.Auth;

namespace OciCache.SignIn;

/// <summary>The parts of the issuer's discovery document the code flow uses.</summary>
internal sealed record OidcMetadata(string AuthorizationEndpoint, string TokenEndpoint, string JwksUri, bool PostSecretOnly);

/// <summary>A sign-in through the issuer failed; the message names the step, never a code, token or secret.</summary>
internal sealed class OidcException(string message) : Exception(message);

/// <summary>
/// The client side of the authorization code flow with PKCE (OpenID Connect Core §3.1) over one
/// <see cref="HttpClient"/>. The issuer is contacted only while someone signs in: the discovery document
/// (<c>/.well-known/openid-configuration</c>, read once) and its JWKS (cached; read again, at most once a
/// minute, when a token names a key it does not hold: a key rotation) and the token endpoint.
/// </summary>
internal sealed class OidcClient(OidcSettings settings, HttpClient http, TimeProvider time)
{
    private static readonly TimeSpan KeyRefreshInterval = TimeSpan.FromMinutes(1);

    private readonly IdTokenValidator _validator = new(settings, time);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private OidcMetadata? _metadata;
    private IReadOnlyList<SecurityKey>? _keys;
    private DateTimeOffset _keysReadAt;

    public OidcSettings Settings => settings;

    /// <summary>The URL to send the browser to: response_type=code, the scopes, state, nonce, and the S256 challenge.</summary>
    public async ValueTask<string> AuthorizationUrlAsync(PendingSignIn pending, string redirectUri, CancellationToken cancellationToken)
    {
        var metadata = await MetadataAsync(cancellationToken);
        var query = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = settings.ClientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = string.Join(' ', settings.EffectiveScopes),
            ["state"] = pending.State,
            ["nonce"] = pending.Nonce,
            ["code_challenge"] = Pkce.Challenge(pending.CodeVerifier),
            ["code_challenge_method"] = "S256",
        };
        var separator = metadata.AuthorizationEndpoint.Contains('?') ? '&' : '?';
        return metadata.AuthorizationEndpoint + separator + string.Join('&', query.Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value)}"));
    }

    /// <summary>Exchanges the code (with the PKCE verifier) and validates the ID token against this sign-in's nonce.</summary>
    /// <exception cref="OidcException">The issuer refused, or the ID token does not validate.</exception>
    public async ValueTask<OidcPerson> SignInAsync(string code, PendingSignIn pending, string redirectUri, CancellationToken cancellationToken)
    {
        var metadata = await MetadataAsync(cancellationToken);
        var idToken = await ExchangeAsync(metadata, code, pending.CodeVerifier, redirectUri, cancellationToken);
        var (person, error) = await _validator.ValidateAsync(idToken, pending.Nonce, await KeysAsync(metadata, false, cancellationToken));
        if (error == IdTokenError.UnknownKey && await KeysAsync(metadata, true, cancellationToken) is var keys)
        {
            (person, error) = await _validator.ValidateAsync(idToken, pending.Nonce, keys);
        }

        return person ?? throw new OidcException($"the ID token was refused: {error}");
    }

    private async ValueTask<string> ExchangeAsync(OidcMetadata metadata, string code, string verifier, string redirectUri, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, metadata.TokenEndpoint);
        if (metadata.PostSecretOnly)
        {
            form["client_id"] = settings.ClientId;
            form["client_secret"] = settings.ClientSecret;
        }
        else
        {
            // RFC 6749 §2.3.1: both parts form-url-encoded before they are joined and base64-encoded.
            var pair = $"{Uri.EscapeDataString(settings.ClientId)}:{Uri.EscapeDataString(settings.ClientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }

        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, cancellationToken);
        using var json = await ReadJsonAsync(response, "token endpoint", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = json.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            throw new OidcException($"the token endpoint answered {(int)response.StatusCode} {error}");
        }

        return json.RootElement.TryGetProperty("id_token", out var token) && token.ValueKind == JsonValueKind.String
            ? token.GetString()!
            : throw new OidcException("the token endpoint's answer holds no id_token");
    }

    private async ValueTask<OidcMetadata> MetadataAsync(CancellationToken cancellationToken)
    {
        if (_metadata is { } known)
        {
            return known;
        }

        var url = settings.Issuer.TrimEnd('/') + "/.well-known/openid-configuration";
        using var response = await http.GetAsync(url, cancellationToken);
        using var json = await ReadJsonAsync(response, "discovery document", cancellationToken);
        var root = json.RootElement;
        if (!response.IsSuccessStatusCode || String(root, "issuer") != settings.Issuer)
        {
            // OpenID Connect Discovery §4.3: the issuer must be exactly the one configured.
            throw new OidcException($"the discovery document of {settings.Issuer} does not name that issuer ({(int)response.StatusCode})");
        }

        var methods = root.TryGetProperty("token_endpoint_auth_methods_supported", out var m) && m.ValueKind == JsonValueKind.Array
            ? m.EnumerateArray().Select(x => x.GetString()).ToList()
            : ["client_secret_basic"];
        return _metadata = new OidcMetadata(
            String(root, "authorization_endpoint") ?? throw new OidcException("the discovery document has no authorization_endpoint"),
            String(root, "token_endpoint") ?? throw new OidcException("the discovery document has no token_endpoint"),
            String(root, "jwks_uri") ?? throw new OidcException("the discovery document has no jwks_uri"),
            !methods.Contains("client_secret_basic") && methods.Contains("client_secret_post"));
    }

    private async ValueTask<IReadOnlyList<SecurityKey>> KeysAsync(OidcMetadata metadata, bool refresh, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_keys is { } cached && (!refresh || time.GetUtcNow() < _keysReadAt + KeyRefreshInterval))
            {
                return cached;
            }

            using var response = await http.GetAsync(metadata.JwksUri, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new OidcException($"the issuer's JWKS answered {(int)response.StatusCode}");
            }

            _keysReadAt = time.GetUtcNow();
            return _keys = [.. new JsonWebKeySet(text).GetSigningKeys()];
        }
        finally
        {
            _lock.Release();
        }
    }

    private static async ValueTask<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            throw new OidcException($"the issuer's {what} is not JSON ({(int)response.StatusCode})");
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
