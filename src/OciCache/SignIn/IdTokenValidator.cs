using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OciCache.Auth;

namespace OciCache.SignIn;

/// <summary>
/// The person an ID token names: the name policies see, and the groups the issuer vouches for. The name is
/// <c>preferred_username</c>, else <c>email</c> when <c>email_verified</c> is true, else <c>sub</c>; prefixed
/// <c>oidc:</c> unless <c>Auth:Oidc:TrustUsernames</c>, so the issuer cannot name a local user.
/// </summary>
internal sealed record OidcPerson(string Name, string Subject, IReadOnlyList<string> Groups);

/// <summary>Why an ID token was refused.</summary>
internal enum IdTokenError
{
    None,
    Malformed,
    UnknownKey,
    BadSignature,
    WrongIssuer,
    WrongAudience,
    Expired,
    WrongNonce,
    NoName,
}

/// <summary>
/// Validates an ID token (OpenID Connect Core §3.1.3.7): the signature by one of the issuer's keys (JWKS,
/// asymmetric algorithms only) through Microsoft.IdentityModel, <c>iss</c> exactly the configured issuer,
/// <c>aud</c> holding the client id, <c>exp</c> in the future on the injected clock (one minute of skew for
/// the issuer's clock), and <c>nonce</c> the one this sign-in sent. The claims are read with
/// <see cref="JsonDocument"/>.
/// </summary>
internal sealed class IdTokenValidator(OidcSettings settings, TimeProvider time)
{
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly JsonWebTokenHandler _handler = new();

    public async ValueTask<(OidcPerson? Person, IdTokenError Error)> ValidateAsync(string idToken, string nonce, IReadOnlyList<SecurityKey> keys)
    {
        if (idToken.Length > 64 * 1024)
        {
            return (null, IdTokenError.Malformed);
        }

        var result = await _handler.ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.ClientId,
            IssuerSigningKeys = keys,
            ValidAlgorithms = Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = false, // below, on the injected clock
        });
        if (!result.IsValid)
        {
            return (null, result.Exception switch
            {
                SecurityTokenSignatureKeyNotFoundException => IdTokenError.UnknownKey,
                SecurityTokenInvalidSignatureException => IdTokenError.BadSignature,
                SecurityTokenInvalidIssuerException => IdTokenError.WrongIssuer,
                SecurityTokenInvalidAudienceException => IdTokenError.WrongAudience,
                SecurityTokenMalformedException or ArgumentException => IdTokenError.Malformed,
                _ => IdTokenError.BadSignature,
            });
        }

        if (result.SecurityToken is not JsonWebToken jwt || JwtBase64.TryDecode(jwt.EncodedPayload) is not { } payload)
        {
            return (null, IdTokenError.Malformed);
        }

        return Read(payload, nonce);
    }

    private (OidcPerson?, IdTokenError) Read(byte[] payload, string nonce)
    {
        try
        {
            using var json = JsonDocument.Parse(payload);
            var root = json.RootElement;
            var expires = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64());
            if (time.GetUtcNow() >= expires + Skew)
            {
                return (null, IdTokenError.Expired);
            }

            if (!root.TryGetProperty("nonce", out var sent) || sent.GetString() != nonce)
            {
                return (null, IdTokenError.WrongNonce);
            }

            var subject = String(root, "sub");
            var name = String(root, "preferred_username") ?? VerifiedEmail(root) ?? subject;
            return subject is null || name is null || name.StartsWith(RobotAccount.UserNamePrefix, StringComparison.Ordinal)
                ? (null, IdTokenError.NoName)
                : (new OidcPerson(settings.TrustUsernames ? name : OidcSettings.NamePrefix + name, subject, Groups(root)), IdTokenError.None);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return (null, IdTokenError.Malformed);
        }
    }

    /// <summary>The groups claim: an array of strings, or one string (some issuers send a single group so).</summary>
    private List<string> Groups(JsonElement root)
    {
        if (!root.TryGetProperty(settings.GroupsClaim, out var claim))
        {
            return [];
        }

        return claim.ValueKind switch
        {
            JsonValueKind.Array => [.. claim.EnumerateArray().Where(g => g.ValueKind == JsonValueKind.String).Select(g => g.GetString()!)],
            JsonValueKind.String => [claim.GetString()!],
            _ => [],
        };
    }

    /// <summary>The <c>email</c> claim only when <c>email_verified</c> is true (OpenID Connect Core §5.1); some issuers send it as a string.</summary>
    private static string? VerifiedEmail(JsonElement root) =>
        root.TryGetProperty("email_verified", out var verified) &&
        (verified.ValueKind == JsonValueKind.True || (verified.ValueKind == JsonValueKind.String && verified.GetString() == "true"))
            ? String(root, "email")
            : null;

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
