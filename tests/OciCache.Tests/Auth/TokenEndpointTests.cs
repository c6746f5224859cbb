using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;

namespace OciCache.Tests.Auth;

/// <summary>The token endpoint on a real server, after distribution's token spec (GET and the OAuth2 POST form).</summary>
public sealed class TokenEndpointTests : IAsyncLifetime
{
    private readonly AuthSetup _auth = new(("alice", "alice-pw"), ("bob", "bob-pw"));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T12:00:00Z"));
    private readonly CapturingAuditLog _audit = new();
    private RegistryServer _server = null!;

    public async Task InitializeAsync() => _server = await RegistryServer.StartAsync(
        _auth.Configure(a =>
        {
            a.Anonymous = new() { ["public/**"] = ["pull"] };
            a.Policies =
            [
                new PolicyRule { Repositories = ["site/**"], Users = ["alice"], Actions = ["pull", "push"] },
                new PolicyRule { Repositories = ["site/**"], Users = ["bob"], Actions = ["pull"] },
            ];
            a.FailedSignIns = 3;
        }),
        time: _time,
        services: s => s.AddSingleton<IAuditLog>(_audit));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _auth.Dispose();
    }

    [Fact]
    public async Task Get_UserWithScopes_GrantsIntersectionOfAskedAndAllowed()
    {
        using var json = await GetTokenAsync("alice", "alice-pw",
            "repository:site/app:pull,push,delete", "repository:other/app:pull", "repository:public/app:pull");
        var root = json.RootElement;

        Assert.Equal(300, root.GetProperty("expires_in").GetInt32());
        Assert.Equal("2026-12-01T12:00:00Z", root.GetProperty("issued_at").GetString());
        Assert.Equal(root.GetProperty("token").GetString(), root.GetProperty("access_token").GetString());
        Assert.False(root.TryGetProperty("refresh_token", out _));
        var claims = Validate(root.GetProperty("token").GetString()!);
        Assert.Equal("alice", claims.Subject);
        Assert.Equal(AccessActions.Pull | AccessActions.Push, claims.Grants("site/app"));
        Assert.Equal(AccessActions.None, claims.Grants("other/app"));
        Assert.Equal(AccessActions.Pull, claims.Grants("public/app"));
    }

    [Fact]
    public async Task Get_Anonymous_GetsAnonymousGrantsOnly()
    {
        using var json = await GetTokenAsync(null, null, "repository:site/app:pull", "repository:public/app:pull,push");
        var claims = Validate(json.RootElement.GetProperty("token").GetString()!);

        Assert.Equal("", claims.Subject);
        Assert.Equal(AccessActions.None, claims.Grants("site/app"));
        Assert.Equal(AccessActions.Pull, claims.Grants("public/app"));
    }

    [Fact]
    public async Task Get_WrongPassword_401_AndAuditedWithoutThePassword()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/token?service=ocicache&scope=repository:site/app:pull");
        request.Headers.Authorization = AuthSetup.Basic("alice", "wrong-pw-123");
        using var response = await _server.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.DoesNotContain("wrong-pw-123", body);
        var failure = Assert.Single(_audit.Events, e => e.Action == "signin");
        Assert.Equal(("failed", "alice", "127.0.0.1"), (failure.Result, failure.Who, failure.Source));
        Assert.DoesNotContain("wrong-pw-123", failure.ToString());
    }

    [Fact]
    public async Task Get_UnknownUserAndWrongPassword_SameAnswer()
    {
        var answers = new List<string>();
        foreach (var (user, password) in new[] { ("alice", "nope"), ("nobody", "nope") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/token?scope=repository:site/app:pull");
            request.Headers.Authorization = AuthSetup.Basic(user, password);
            using var response = await _server.Client.SendAsync(request);
            answers.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(answers[0], answers[1]);
    }

    [Fact]
    public async Task Get_FailuresPastLimit_429UntilAMinutePassed_EvenWithTheRightPassword()
    {
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await SignInAsync("alice", "nope");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var limited = await SignInAsync("alice", "alice-pw"))
        {
            await RegistryHttp.AssertOciErrorAsync(limited, HttpStatusCode.TooManyRequests, "TOOMANYREQUESTS");
            Assert.Equal("60", limited.Header("Retry-After"));
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        using var again = await SignInAsync("alice", "alice-pw");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Get_OfflineToken_ReturnsRefreshToken_PostRefreshGrantIssuesNewAccess()
    {
        using var json = await GetTokenAsync("alice", "alice-pw", "repository:site/app:pull&offline_token=true");
        var refresh = json.RootElement.GetProperty("refresh_token").GetString()!;
        Assert.Null(await Signer().ValidateAsync(refresh, "ocicache", TokenClaims.AccessUse)); // a refresh token is no access token

        using var response = await PostAsync(("grant_type", "refresh_token"), ("refresh_token", refresh), ("service", "ocicache"),
            ("client_id", "test"), ("scope", "repository:site/app:pull,push repository:site/other:pull"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var posted = JsonDocument.Parse(body);
        var claims = Validate(posted.RootElement.GetProperty("access_token").GetString()!);
        Assert.Equal(AccessActions.Pull | AccessActions.Push, claims.Grants("site/app"));
        Assert.Equal(AccessActions.Pull, claims.Grants("site/other"));
        Assert.Equal("repository:site/app:pull,push repository:site/other:pull", posted.RootElement.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Post_PasswordGrant_ReturnsAccessAndRefreshTokens()
    {
        using var response = await PostAsync(("grant_type", "password"), ("username", "bob"), ("password", "bob-pw"),
            ("service", "ocicache"), ("client_id", "test"), ("scope", "repository:site/app:pull,push"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(AccessActions.Pull, Validate(json.RootElement.GetProperty("access_token").GetString()!).Grants("site/app"));
        Assert.Equal(300, json.RootElement.GetProperty("expires_in").GetInt32());
        Assert.NotNull(await Signer().ValidateAsync(json.RootElement.GetProperty("refresh_token").GetString()!, "ocicache", TokenClaims.RefreshUse));
    }

    [Fact]
    public async Task Post_RefreshOfRemovedUser_401()
    {
        using var json = await GetTokenAsync("bob", "bob-pw", "repository:site/app:pull&offline_token=true");
        var refresh = json.RootElement.GetProperty("refresh_token").GetString()!;
        _auth.WriteUsers(("alice", "alice-pw"));
        File.SetLastWriteTimeUtc(_auth.HtpasswdPath, DateTime.UtcNow.AddMinutes(1));
        _time.Advance(HtpasswdFile.CheckInterval);

        using var response = await PostAsync(("grant_type", "refresh_token"), ("refresh_token", refresh), ("scope", "repository:site/app:pull"));
        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Post_WrongPassword_401_NotEchoed()
    {
        using var response = await PostAsync(("grant_type", "password"), ("username", "bob"), ("password", "bad-pw-777"), ("scope", "repository:site/app:pull"));
        var body = await response.Content.ReadAsStringAsync();

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.DoesNotContain("bad-pw-777", body);
    }

    [Fact]
    public async Task KeyFile_CreatedOnFirstStart_ReusedAfterRestart()
    {
        var path = Path.Combine(_server.DataPath, "token-key.pem");
        var token = await AuthSetup.TokenAsync(_server, "alice", "alice-pw", "repository:site/app:pull");
        Assert.True(OperatingSystem.IsLinux() && File.GetUnixFileMode(path) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));

        await _server.RestartAsync();

        using var client = AuthSetup.BearerClient(_server, token);
        using var response = await client.GetAsync("/v2/site/app/tags/list");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // through access control, to a repository that has nothing
    }

    private TokenSigner Signer() => _server.Services.GetRequiredService<TokenSigner>();

    private TokenClaims Validate(string token) =>
        Signer().ValidateAsync(token, "ocicache", TokenClaims.AccessUse).AsTask().GetAwaiter().GetResult()
        ?? throw new Xunit.Sdk.XunitException("token does not validate");

    private async Task<HttpResponseMessage> SignInAsync(string user, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/token?scope=repository:site/app:pull");
        request.Headers.Authorization = AuthSetup.Basic(user, password);
        return await _server.Client.SendAsync(request);
    }

    private async Task<JsonDocument> GetTokenAsync(string? user, string? password, params string[] scopes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/token?service=ocicache" + string.Concat(scopes.Select(s => "&scope=" + s)));
        if (user is not null)
        {
            request.Headers.Authorization = AuthSetup.Basic(user, password!);
        }

        using var response = await _server.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(body);
    }

    private Task<HttpResponseMessage> PostAsync(params (string Key, string Value)[] form) =>
        _server.Client.PostAsync("/token", new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Key, f.Value))));
}
