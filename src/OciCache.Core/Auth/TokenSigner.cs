using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OciCache.Auth;

/// <summary>
/// Issues and checks the server's tokens: compact JWS, ES256 (RFC 7518 §3.4: SHA-256, the signature as
/// r‖s, 64 bytes), with distribution's claims (<c>iss</c>, <c>sub</c>, <c>aud</c>, <c>exp</c>, <c>nbf</c>,
/// <c>iat</c>, <c>jti</c>, <c>access</c>) plus <c>token_use</c>. Written with <see cref="Utf8JsonWriter"/>
/// and read with <see cref="JsonDocument"/>: no reflection, nothing for Native AOT to trim.
/// </summary>
/// <remarks>https://distribution.github.io/distribution/spec/auth/jwt/</remarks>
public sealed class TokenSigner(ECDsa key, string issuer, TimeProvider time)
{
    private readonly string _header = Header(TokenKey.KeyId(key));

    public string Issuer => issuer;

    /// <summary>A signed token for <paramref name="claims"/> (its times, id and issuer are taken as given).</summary>
    public string Sign(TokenClaims claims)
    {
        var payload = JwtBase64.Encode(Payload(claims));
        var signingInput = $"{_header}.{payload}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signingInput}.{JwtBase64.Encode(signature)}";
    }

    /// <summary>New claims from now for <paramref name="lifetime"/>, with a random id.</summary>
    public TokenClaims NewClaims(string subject, string audience, string use, TimeSpan lifetime, IReadOnlyList<TokenAccess> access)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        return new TokenClaims(issuer, subject, audience, use)
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
    public TokenClaims? Validate(string token, string audience, string use)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length > 512 || token.Length > 64 * 1024)
        {
            return null;
        }

        var header = JwtBase64.TryDecode(parts[0]);
        var payload = JwtBase64.TryDecode(parts[1]);
        var signature = JwtBase64.TryDecode(parts[2]);
        if (header is null || payload is null || signature is not { Length: 64 } || !IsEs256(header) ||
            !key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return null;
        }

        var claims = Read(payload);
        var now = time.GetUtcNow();
        return claims is not null && claims.Issuer == issuer && claims.Audience == audience && claims.Use == use &&
               claims.NotBefore <= now && now < claims.ExpiresAt
            ? claims
            : null;
    }

    private static string Header(string keyId)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("typ", "JWT");
            w.WriteString("alg", "ES256");
            w.WriteString("kid", keyId);
            w.WriteEndObject();
        }

        return JwtBase64.Encode(buffer.WrittenSpan);
    }

    private static bool IsEs256(byte[] header)
    {
        try
        {
            using var json = JsonDocument.Parse(header);
            return json.RootElement.ValueKind == JsonValueKind.Object &&
                   json.RootElement.TryGetProperty("alg", out var alg) && alg.ValueKind == JsonValueKind.String && alg.GetString() == "ES256";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[] Payload(TokenClaims claims)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("iss", claims.Issuer);
            w.WriteString("sub", claims.Subject);
            w.WriteString("aud", claims.Audience);
            w.WriteNumber("exp", claims.ExpiresAt.ToUnixTimeSeconds());
            w.WriteNumber("nbf", claims.NotBefore.ToUnixTimeSeconds());
            w.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
            w.WriteString("jti", claims.Id);
            w.WriteString("token_use", claims.Use);
            w.WriteStartArray("access");
            foreach (var entry in claims.Access)
            {
                w.WriteStartObject();
                w.WriteString("type", entry.Type);
                w.WriteString("name", entry.Name);
                w.WriteStartArray("actions");
                foreach (var action in entry.Actions.Names())
                {
                    w.WriteStringValue(action);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
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
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
