using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OciCache.Auth;

/// <summary>
/// Issues and checks the server's tokens with Microsoft.IdentityModel.JsonWebTokens: compact JWS, ES256
/// (P-256, SHA-256), with distribution's claims (<c>iss</c>, <c>sub</c>, <c>aud</c>, <c>exp</c>, <c>nbf</c>,
/// <c>iat</c>, <c>jti</c>, <c>access</c>) plus <c>token_use</c>. The library checks the signature, the algorithm
/// (ES256 only: no <c>none</c>, no key confusion), issuer and audience; the lifetime is checked here on the
/// injected clock, without skew (the issuer is this server), and the claims are read from the payload.
/// </summary>
/// <remarks>https://distribution.github.io/distribution/spec/auth/jwt/</remarks>
public sealed class TokenSigner
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly ECDsaSecurityKey _key;
    private readonly SigningCredentials _credentials;
    private readonly string _issuer;
    private readonly TimeProvider _time;

    public TokenSigner(ECDsa key, string issuer, TimeProvider time)
    {
        _key = new ECDsaSecurityKey(key) { KeyId = TokenKey.KeyId(key) };
        _credentials = new SigningCredentials(_key, SecurityAlgorithms.EcdsaSha256);
        _issuer = issuer;
        _time = time;
    }

    public string Issuer => _issuer;

    /// <summary>A signed token for <paramref name="claims"/> (its times, id and issuer are taken as given).</summary>
    public string Sign(TokenClaims claims) => _handler.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = claims.Issuer,
        Audience = claims.Audience,
        IssuedAt = claims.IssuedAt.UtcDateTime,
        NotBefore = claims.NotBefore.UtcDateTime,
        Expires = claims.ExpiresAt.UtcDateTime,
        SigningCredentials = _credentials,
        Claims = new Dictionary<string, object>
        {
            ["sub"] = claims.Subject,
            ["jti"] = claims.Id,
            ["token_use"] = claims.Use,
            ["access"] = claims.Access.Select(a => (object)new Dictionary<string, object>
            {
                ["type"] = a.Type,
                ["name"] = a.Name,
                ["actions"] = a.Actions.Names().Cast<object>().ToList(),
            }).ToList(),
        }.WithApiKey(claims.ApiKey).WithCredential(claims.Credential),
    });



    /// <summary>New claims from now for <paramref name="lifetime"/>, with a random id.</summary>
    public TokenClaims NewClaims(string subject, string audience, string use, TimeSpan lifetime, IReadOnlyList<TokenAccess> access)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());
        return new TokenClaims(_issuer, subject, audience, use)
        {
            IssuedAt = now,
            NotBefore = now,
            ExpiresAt = now + lifetime,
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Access = access,
        };
    }

    /// <summary>
    /// The claims of <paramref name="token"/> when this key signed it with ES256, for this issuer and
    /// <paramref name="audience"/>, of kind <paramref name="use"/>, and now lies in [nbf, exp); null otherwise.
    /// </summary>
    public async ValueTask<TokenClaims?> ValidateAsync(string token, string audience, string use)
    {
        if (token.Length > 64 * 1024)
        {
            return null;
        }

        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = _issuer,
            ValidAudience = audience,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidateIssuerSigningKey = true,
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = false, // below, on the injected clock
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || JwtBase64.TryDecode(jwt.EncodedPayload) is not { } payload)
        {
            return null;
        }

        var claims = Read(payload);
        var now = _time.GetUtcNow();
        return claims is not null && claims.Issuer == _issuer && claims.Audience == audience && claims.Use == use &&
               claims.NotBefore <= now && now < claims.ExpiresAt
            ? claims
            : null;
    }

    /// <summary>The claims of a payload whose signature already checked; null when a claim is missing or malformed.</summary>
    private static TokenClaims? Read(byte[] payload)
    {
        try
        {
            using var json = JsonDocument.Parse(payload);
            var root = json.RootElement;
            var access = new List<TokenAccess>();
            foreach (var entry in root.GetProperty("access").EnumerateArray())
            {
                AccessActionNames.TryParse(entry.GetProperty("actions").EnumerateArray().Select(a => a.GetString() ?? ""), out var actions, out _);
                access.Add(new TokenAccess(entry.GetProperty("type").GetString()!, entry.GetProperty("name").GetString()!, actions));
            }

            return new TokenClaims(
                root.GetProperty("iss").GetString()!, root.GetProperty("sub").GetString()!,
                root.GetProperty("aud").GetString()!, root.GetProperty("token_use").GetString()!)
            {
                ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64()),
                NotBefore = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("nbf").GetInt64()),
                IssuedAt = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("iat").GetInt64()),
                Id = root.GetProperty("jti").GetString()!,
                Access = access,
                ApiKey = root.TryGetProperty("api_key", out var key) ? key.GetString() : null,
                Credential = root.TryGetProperty("cred", out var credential) ? credential.GetString() : null,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}

internal static class TokenClaimsExtensions
{
    /// <summary>Adds the <c>api_key</c> claim when the token is for a sign-in with an API key.</summary>
    public static Dictionary<string, object> WithApiKey(this Dictionary<string, object> claims, string? apiKey)
    {
        if (apiKey is not null)
        {
            claims["api_key"] = apiKey;
        }

        return claims;
    }

    /// <summary>Adds the <c>cred</c> claim when the subject signed in with a password or a robot secret.</summary>
    public static Dictionary<string, object> WithCredential(this Dictionary<string, object> claims, string? credential)
    {
        if (credential is not null)
        {
            claims["cred"] = credential;
        }

        return claims;
    }
}
