using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.IntegrationTests.Auth;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>Expiry on the server's clock (a FakeTimeProvider, the server in-process): API keys and console sessions.</summary>
public sealed class SignInClockTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private SignInServer _site = null!;

    public async Task InitializeAsync() => _site = await SignInServer.StartAsync(_time);

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task Key_PastItsExpiry_Refused()
    {
        // Basic credentials of the person: no session, so no CSRF token either.
        using var carol = AuthSetup.BasicClient(_site.Server, "carol", SignInServer.CarolPassword);
        using var created = await carol.PostAsJsonAsync("/api/keys",
            new Dictionary<string, object> { ["name"] = "ci", ["scopes"] = new[] { "repository:site/**:pull,push" }, ["expiresAt"] = _time.GetUtcNow().AddHours(1).ToString("O") });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["key"].ToString()!;
        using var withKey = AuthSetup.BasicClient(_site.Server, "carol", key);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/token?service=ocicache&scope=repository:site/a:push")).StatusCode);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/token?service=ocicache&scope=repository:site/a:push")).StatusCode);
        Assert.Contains("\"expired\":true", await carol.GetStringAsync("/api/keys"));
    }

    [Fact]
    public async Task Session_IdleForLongerThanTheTimeout_Ends()
    {
        using var browser = await _site.FormSignInAsync();
        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/api/session")).StatusCode);

        _time.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task Session_OfAUserDeleted_EndsAMinuteLaterOnReadsAlone()
    {
        using var browser = await _site.FormSignInAsync();
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/api/session")).StatusCode);

        _site.Users.WriteUsers(("dave", "dave-Pw-1"));
        _time.Advance(OciCache.Access.ConsoleSessions.CheckInterval + TimeSpan.FromSeconds(2)); // past the htpasswd file's look too

        await Eventually.ValueAsync(async () =>
        {
            using var session = await browser.Client.GetAsync("/api/session");
            return session.StatusCode == HttpStatusCode.Unauthorized ? "" : null;
        }, "carol's session ended by a read a minute after she was deleted");
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "signout", Result: "ended", Who: "carol" });
    }

    [Fact]
    public async Task Key_OfAnOidcPersonNotSeenWithinTheMaximumLifetime_Refused()
    {
        // Keys made when Auth:ApiKeyMaxLifetime was longer: the issuer's person was last seen when they made it.
        await using var site = await SignInServer.StartAsync(_time, configure: a => a.ApiKeyMaxLifetime = TimeSpan.FromDays(30));
        var keys = site.Server.Services.GetRequiredService<OciCache.Auth.IApiKeys>();
        var scope = OciCache.Auth.RobotScope.TryParse("repository:**:pull,push", out var s, out _) ? s : null!;
        var (_, oidcKey) = await keys.CreateAsync("oidc:alice", "old", [scope], ["devs"], _time.GetUtcNow().AddDays(300), default, fromIssuer: true);
        var (_, localKey) = await keys.CreateAsync("carol", "old", [scope], [], _time.GetUtcNow().AddDays(300), default);
        using var alice = AuthSetup.BasicClient(site.Server, "alice", oidcKey);
        using var carol = AuthSetup.BasicClient(site.Server, "carol", localKey);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/token?service=ocicache&scope=repository:team/a:pull")).StatusCode);

        _time.Advance(TimeSpan.FromDays(30));

        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.GetAsync("/token?service=ocicache&scope=repository:team/a:pull")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.PostAsync("/v2/team/a/blobs/uploads/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await carol.GetAsync("/token?service=ocicache&scope=repository:site/a:pull")).StatusCode); // carol is in the file
    }

    [Fact]
    public async Task Key_ExpiryPastTheMaximum_Refused()
    {
        using var carol = AuthSetup.BasicClient(_site.Server, "carol", SignInServer.CarolPassword);

        using var created = await carol.PostAsJsonAsync("/api/keys",
            new Dictionary<string, object> { ["name"] = "ci", ["scopes"] = new[] { "repository:site/**:pull" }, ["expiresAt"] = _time.GetUtcNow().AddDays(400).ToString("O") });

        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
    }
}
