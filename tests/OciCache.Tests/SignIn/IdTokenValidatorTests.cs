using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OciCache.Auth;
using OciCache.SignIn;

namespace OciCache.Tests.SignIn;

/// <summary>ID tokens signed here with RSA keys, as an issuer would: what passes and each way one is refused.</summary>
public sealed class IdTokenValidatorTests
{
    private const string Issuer = "https://id.example.test";
    private const string Nonce = "n-0S6_WzA2Mj";

    private static readonly RsaSecurityKey IssuerKey = new(RSA.Create(2048)) { KeyId = "k1" };
    private static readonly RsaSecurityKey OtherKey = new(RSA.Create(2048)) { KeyId = "k1" };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly OidcSettings _settings = new() { Issuer = Issuer, ClientId = "ocicache", ClientSecret = "s" };

    [Fact]
    public async Task Validate_GoodToken_ThePersonAndTheirGroups()
    {
        var (person, error) = await Validate(Token());

        Assert.Equal(IdTokenError.None, error);
        Assert.Equal(("oidc:alice", "user-123"), (person!.Name, person.Subject));
        Assert.Equal(["admins", "devs"], person.Groups);
    }

    [Fact]
    public async Task Validate_NoPreferredUsername_EmailThenSubject()
    {
        var (byEmail, _) = await Validate(Token(claims: c => { c.Remove("preferred_username"); c["email_verified"] = true; }));
        var (bySubject, _) = await Validate(Token(claims: c => { c.Remove("preferred_username"); c.Remove("email"); }));

        Assert.Equal("oidc:alice@example.test", byEmail!.Name);
        Assert.Equal("oidc:user-123", bySubject!.Name);
    }

    [Fact]
    public async Task Validate_UnverifiedEmail_NameFromTheSubject()
    {
        var (unverified, _) = await Validate(Token(claims: c => { c.Remove("preferred_username"); c["email_verified"] = false; }));
        var (unsaid, _) = await Validate(Token(claims: c => c.Remove("preferred_username")));
        var (verified, _) = await Validate(Token(claims: c => { c.Remove("preferred_username"); c["email_verified"] = true; }));

        Assert.Equal("oidc:user-123", unverified!.Name);
        Assert.Equal("oidc:user-123", unsaid!.Name);
        Assert.Equal("oidc:alice@example.test", verified!.Name);
    }

    [Fact]
    public async Task Validate_NameOfALocalAdmin_Namespaced()
    {
        var (person, _) = await Validate(Token(claims: c => c["preferred_username"] = "admin"));

        Assert.Equal("oidc:admin", person!.Name);
    }

    [Fact]
    public async Task Validate_TrustUsernames_NameAsTheIssuerSaysIt()
    {
        _settings.TrustUsernames = true;

        var (person, _) = await Validate(Token());

        Assert.Equal("alice", person!.Name);
    }

    [Fact]
    public async Task Validate_GroupsAsOneString_OneGroup()
    {
        var (person, _) = await Validate(Token(claims: c => c["groups"] = "admins"));

        Assert.Equal(["admins"], person!.Groups);
    }

    [Fact]
    public async Task Validate_WrongIssuer_Refused()
    {
        Assert.Equal(IdTokenError.WrongIssuer, (await Validate(Token(issuer: "https://evil.example"))).Error);
    }

    [Fact]
    public async Task Validate_WrongAudience_Refused()
    {
        Assert.Equal(IdTokenError.WrongAudience, (await Validate(Token(audience: "another-client"))).Error);
    }

    [Fact]
    public async Task Validate_WrongNonce_Refused()
    {
        Assert.Equal(IdTokenError.WrongNonce, (await Validate(Token(), nonce: "another-nonce")).Error);
        Assert.Equal(IdTokenError.WrongNonce, (await Validate(Token(claims: c => c.Remove("nonce")))).Error);
    }

    [Fact]
    public async Task Validate_Expired_RefusedPastTheMinuteOfSkew()
    {
        var token = Token(lifetime: TimeSpan.FromMinutes(5));
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(59));
        Assert.Equal(IdTokenError.None, (await Validate(token)).Error);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(IdTokenError.Expired, (await Validate(token)).Error);
    }

    [Fact]
    public async Task Validate_SignedByAnotherKeyOfTheSameId_Refused()
    {
        Assert.Equal(IdTokenError.BadSignature, (await Validate(Token(key: OtherKey))).Error);
    }

    [Fact]
    public async Task Validate_KeyIdTheIssuerDoesNotList_UnknownKey()
    {
        var unknown = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k2" };

        Assert.Equal(IdTokenError.UnknownKey, (await Validate(Token(key: unknown))).Error);
    }

    [Fact]
    public async Task Validate_Unsigned_Refused()
    {
        var handler = new JsonWebTokenHandler();
        var unsigned = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer, Audience = "ocicache", Expires = _time.GetUtcNow().AddMinutes(5).UtcDateTime,
            Claims = new Dictionary<string, object> { ["sub"] = "user-123", ["nonce"] = Nonce },
        });

        Assert.NotEqual(IdTokenError.None, (await Validate(unsigned)).Error);
    }

    [Fact]
    public async Task Validate_RobotName_Refused()
    {
        Assert.Equal(IdTokenError.NoName, (await Validate(Token(claims: c => c["preferred_username"] = "robot$ci"))).Error);
    }

    private Task<(OidcPerson? Person, IdTokenError Error)> Validate(string token, string nonce = Nonce) =>
        new IdTokenValidator(_settings, _time).ValidateAsync(token, nonce, [IssuerKey]).AsTask();

    private string Token(
        string issuer = Issuer, string audience = "ocicache", SecurityKey? key = null, TimeSpan? lifetime = null,
        Action<Dictionary<string, object>>? claims = null)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var payload = new Dictionary<string, object>
        {
            ["sub"] = "user-123",
            ["preferred_username"] = "alice",
            ["email"] = "alice@example.test",
            ["groups"] = new List<object> { "admins", "devs" },
            ["nonce"] = Nonce,
        };
        claims?.Invoke(payload);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            Claims = payload,
            SigningCredentials = new SigningCredentials(key ?? IssuerKey, SecurityAlgorithms.RsaSha256),
        });
    }
}
