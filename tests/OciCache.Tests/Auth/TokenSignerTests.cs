using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;

namespace OciCache.Tests.Auth;

public sealed class TokenSignerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T12:00:00Z"));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TempDirectory _temp = new("tokenkey");

    private TokenSigner Signer(ECDsa? key = null, string issuer = "ocicache") => new(key ?? _key, issuer, _time);

    private string Issue(TokenSigner signer, string audience = "svc", string use = TokenClaims.AccessUse) =>
        signer.Sign(signer.NewClaims("alice", audience, use, TimeSpan.FromMinutes(5),
            [new TokenAccess("repository", "site/app", AccessActions.Pull | AccessActions.Push)]));

    [Fact]
    public async Task Validate_OwnToken_GivesClaimsBack()
    {
        var signer = Signer();
        var claims = await signer.ValidateAsync(Issue(signer), "svc", TokenClaims.AccessUse);

        Assert.NotNull(claims);
        Assert.Equal("alice", claims.Subject);
        Assert.Equal(AccessActions.Pull | AccessActions.Push, claims.Grants("site/app"));
        Assert.Equal(AccessActions.None, claims.Grants("site/other"));
        Assert.Equal(_time.GetUtcNow().AddMinutes(5), claims.ExpiresAt);
    }

    [Fact]
    public async Task Validate_CredentialClaim_ReadBackAsSigned()
    {
        var signer = Signer();
        var claims = signer.NewClaims("robot$ci", "svc", TokenClaims.RefreshUse, TimeSpan.FromDays(1), []) with { Credential = "0123456789abcdef0123456789abcdef" };

        var read = await signer.ValidateAsync(signer.Sign(claims), "svc", TokenClaims.RefreshUse);
        var without = await signer.ValidateAsync(signer.Sign(claims with { Credential = null }), "svc", TokenClaims.RefreshUse);

        Assert.Equal("0123456789abcdef0123456789abcdef", read!.Credential);
        Assert.Null(without!.Credential);
    }

    [Fact]
    public void Sign_WireFormat_IsDistributionsJwt()
    {
        var parts = Issue(Signer()).Split('.');
        using var header = JsonDocument.Parse(Base64UrlDecode(parts[0]));
        using var payload = JsonDocument.Parse(Base64UrlDecode(parts[1]));

        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal(TokenKey.KeyId(_key), header.RootElement.GetProperty("kid").GetString());
        Assert.Equal(64, Base64UrlDecode(parts[2]).Length);
        var p = payload.RootElement;
        foreach (var claim in new[] { "iss", "sub", "aud", "exp", "nbf", "iat", "jti" })
        {
            Assert.True(p.TryGetProperty(claim, out _), claim);
        }

        var access = p.GetProperty("access")[0];
        Assert.Equal("repository", access.GetProperty("type").GetString());
        Assert.Equal("site/app", access.GetProperty("name").GetString());
        Assert.Equal(["pull", "push"], access.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Validate_Expired_IsNull()
    {
        var signer = Signer();
        var token = Issue(signer);
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.NotNull(await signer.ValidateAsync(token, "svc", TokenClaims.AccessUse));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await signer.ValidateAsync(token, "svc", TokenClaims.AccessUse));
    }

    [Fact]
    public async Task Validate_OtherKey_IsNull()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Null(await Signer().ValidateAsync(Issue(Signer(other)), "svc", TokenClaims.AccessUse));
    }

    [Fact]
    public async Task Validate_OtherAudienceIssuerOrUse_IsNull()
    {
        var signer = Signer();
        Assert.Null(await signer.ValidateAsync(Issue(signer, audience: "other"), "svc", TokenClaims.AccessUse));
        Assert.Null(await signer.ValidateAsync(Issue(signer, use: TokenClaims.RefreshUse), "svc", TokenClaims.AccessUse));
        Assert.Null(await signer.ValidateAsync(Issue(Signer(issuer: "elsewhere")), "svc", TokenClaims.AccessUse));
    }

    [Fact]
    public async Task Validate_TamperedPayloadOrAlgNone_IsNull()
    {
        var signer = Signer();
        var parts = Issue(signer).Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace("site/app", "site/evil");
        var tampered = $"{parts[0]}.{Base64UrlEncode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";
        var none = $"{Base64UrlEncode("""{"alg":"none","typ":"JWT"}"""u8.ToArray())}.{parts[1]}.";

        Assert.Null(await signer.ValidateAsync(tampered, "svc", TokenClaims.AccessUse));
        Assert.Null(await signer.ValidateAsync(none, "svc", TokenClaims.AccessUse));
        Assert.Null(await signer.ValidateAsync("not-a-token", "svc", TokenClaims.AccessUse));
    }

    [Fact]
    public async Task LoadOrCreate_FirstStartCreates0600File_LaterStartsReuseIt()
    {
        var path = _temp.Combine("token-key.pem");
        using var first = TokenKey.LoadOrCreate(path);
        using var second = TokenKey.LoadOrCreate(path);

        Assert.True(OperatingSystem.IsLinux());
        Assert.True(OperatingSystem.IsLinux() && File.GetUnixFileMode(path) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.Equal(TokenKey.KeyId(first), TokenKey.KeyId(second));
        var token = Issue(new TokenSigner(first, "ocicache", _time));
        Assert.NotNull(await new TokenSigner(second, "ocicache", _time).ValidateAsync(token, "svc", TokenClaims.AccessUse));
    }

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);

    private static string Base64UrlEncode(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public void Dispose()
    {
        _key.Dispose();
        _temp.Dispose();
    }
}
