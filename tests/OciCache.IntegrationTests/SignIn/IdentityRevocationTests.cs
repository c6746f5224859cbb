using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Access;
using OciCache.Auth;
using OciCache.IntegrationTests.Auth;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>
/// Credentials that must end with their person or their secret, over real HTTP: the API keys of a user deleted
/// from the htpasswd file, refresh tokens after a robot's or a user's secret changed, console sessions of a
/// user deleted, and the admin's list and revocation of everyone's keys. Each is checked on pulls, pushes,
/// the token endpoint and refresh.
/// </summary>
public sealed class IdentityRevocationTests : IAsyncLifetime
{
    private SignInServer _site = null!;

    public async Task InitializeAsync() => _site = await SignInServer.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task Key_OfAUserDeletedFromHtpasswd_StopsAtOnceEverywhere()
    {
        using var browser = await _site.FormSignInAsync();
        var (_, key) = await _site.CreateKeyAsync(browser, "repository:site/**:pull,push");
        var token = await AuthSetup.TokenAsync(_site.Server, "carol", key, "repository:site/gone:pull,push");
        var refresh = await PasswordGrantAsync("carol", key);
        using var withKey = AuthSetup.BasicClient(_site.Server, "carol", key);
        using var bearer = AuthSetup.BearerClient(_site.Server, token);
        Assert.Equal(HttpStatusCode.Accepted, (await withKey.PostAsync("/v2/site/gone/blobs/uploads/", null)).StatusCode);

        await DeleteCarolAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.PostAsync("/v2/site/gone/blobs/uploads/", null)).StatusCode); // push
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/v2/site/gone/tags/list")).StatusCode); // pull
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.PostAsync("/v2/site/gone/blobs/uploads/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/v2/site/gone/tags/list")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/token?service=ocicache&scope=repository:site/gone:pull")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(refresh)).StatusCode);
    }

    [Fact]
    public async Task RefreshToken_AfterRobotRemovedAndAddedAgain_Refused()
    {
        var robots = _site.Server.Services.GetRequiredService<IRobotAccounts>();
        var (_, oldSecret) = await robots.AddAsync("ci", [new RobotScope("site/**", ["pull", "push"])], null, default);
        var refresh = await PasswordGrantAsync("robot$ci", oldSecret);
        using (var before = await RefreshAsync(refresh))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        Assert.True(await robots.RemoveAsync("ci", default));
        var (_, newSecret) = await robots.AddAsync("ci", [new RobotScope("site/**", ["pull", "push"])], null, default);

        using var after = await RefreshAsync(refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.DoesNotContain("refresh_token", await after.Content.ReadAsStringAsync());
        using var withNew = await RefreshAsync(await PasswordGrantAsync("robot$ci", newSecret));
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode); // the new secret's own refresh token works
    }

    [Fact]
    public async Task RefreshToken_AfterPasswordChange_Refused()
    {
        var refresh = await PasswordGrantAsync("carol", SignInServer.CarolPassword);
        using (var before = await RefreshAsync(refresh))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        _site.Users.WriteUsers(("carol", "carol-New-Pw-9902"));
        await Eventually.ValueAsync(async () =>
        {
            using var old = AuthSetup.BasicClient(_site.Server, "carol", SignInServer.CarolPassword);
            using var answer = await old.GetAsync("/token?service=ocicache");
            return answer.StatusCode == HttpStatusCode.Unauthorized ? "" : null;
        }, "the htpasswd file read again: carol's old password refused");

        using var after = await RefreshAsync(refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "signin", Result: "failed", Who: "carol", Detail: "refresh token not valid" });
    }

    [Fact]
    public async Task ConsoleSession_OfAnAdminDeletedFromHtpasswd_EndsOnTheNextChange()
    {
        // carol is an admin here through Auth:Groups, signed in with the form.
        await using var site = await SignInServer.StartAsync(configure: a => a.Groups["admins"] = ["carol"]);
        using var browser = await site.FormSignInAsync();
        var csrf = await SignInServer.CsrfTokenAsync(browser);
        using (var first = await AddRobotAsync(site, browser, csrf, "first"))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        site.Users.WriteUsers(("dave", "dave-Pw-1"));
        await Eventually.ValueAsync(async () =>
        {
            using var old = AuthSetup.BasicClient(site.Server, "carol", SignInServer.CarolPassword);
            using var answer = await old.GetAsync("/token?service=ocicache");
            return answer.StatusCode == HttpStatusCode.Unauthorized ? "" : null;
        }, "the htpasswd file read again: carol gone");

        using var second = await AddRobotAsync(site, browser, csrf, "second");
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync("/api/session")).StatusCode); // the session ended
        Assert.DoesNotContain((await site.Server.Services.GetRequiredService<IRobotAccounts>().ListAsync(default)), r => r.Name == "second");
    }

    [Fact]
    public async Task AdminApi_ListsAndRevokesAnyonesKey_AtOnce()
    {
        using var carol = await _site.FormSignInAsync();
        var (id, key) = await _site.CreateKeyAsync(carol, "repository:site/**:pull,push");
        var refresh = await PasswordGrantAsync("carol", key);
        using var alice = new OidcSignIn(_site.Server.BaseUri); // in the admin group at the issuer
        using (var signedIn = await alice.SignInAsync(_site.Provider))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await carol.Client.GetAsync("/api/admin/keys")).StatusCode);
        using (var listed = JsonDocument.Parse(await alice.Client.GetStringAsync("/api/admin/keys")))
        {
            var entry = Assert.Single(listed.RootElement.EnumerateArray(), k => k.GetProperty("id").GetString() == id);
            Assert.Equal("carol", entry.GetProperty("user").GetString());
            Assert.False(entry.TryGetProperty("key", out _)); // never the secret
        }

        using var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/admin/keys/{id}");
        revoke.Headers.Add("Origin", _site.Origin);
        revoke.Headers.Add(CsrfCheck.HeaderName, await SignInServer.CsrfTokenAsync(alice));
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Client.SendAsync(revoke)).StatusCode);

        using var withKey = AuthSetup.BasicClient(_site.Server, "carol", key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.PostAsync("/v2/site/admin/blobs/uploads/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/token?service=ocicache&scope=repository:site/admin:pull")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(refresh)).StatusCode);
        Assert.DoesNotContain(id, await carol.Client.GetStringAsync("/api/keys"));
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "apikey.revoke", Who: "oidc:alice" } && e.Detail!.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminApi_RemovesAPerson_TheirKeysAndSessionsEnd()
    {
        using var alice = new OidcSignIn(_site.Server.BaseUri); // an admin at the issuer
        using (await alice.SignInAsync(_site.Provider))
        {
        }

        var (_, alicesKey) = await _site.CreateKeyAsync(alice, "repository:team/**:pull,push");
        using var carol = await _site.FormSignInAsync();
        using var admin = await _site.FormSignInAsync(); // carol's second browser: both sessions end
        var (_, key) = await _site.CreateKeyAsync(carol, "repository:site/**:pull,push");
        var refresh = await PasswordGrantAsync("carol", key);

        using var remove = new HttpRequestMessage(HttpMethod.Delete, "/api/admin/people/carol");
        remove.Headers.Add("Origin", _site.Origin);
        remove.Headers.Add(CsrfCheck.HeaderName, await SignInServer.CsrfTokenAsync(alice));
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Client.SendAsync(remove)).StatusCode);

        using var withKey = AuthSetup.BasicClient(_site.Server, "carol", key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.PostAsync("/v2/site/removed/blobs/uploads/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/token?service=ocicache&scope=repository:site/removed:pull")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(refresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await carol.Client.GetAsync("/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.Client.GetAsync("/api/session")).StatusCode);
        using var alicesClient = AuthSetup.BasicClient(_site.Server, "alice", alicesKey);
        Assert.Equal(HttpStatusCode.Accepted, (await alicesClient.PostAsync("/v2/team/kept/blobs/uploads/", null)).StatusCode); // others keep theirs
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "person.remove", Who: "oidc:alice" } && e.Detail!.StartsWith("carol: 1 API keys revoked, 2 console sessions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OidcPerson_NamedLikeALocalUser_IsNotThatUser()
    {
        // The issuer's "carol" (group devs only) must not get the htpasswd carol's rights (site/**) nor her keys.
        await using var site = await SignInServer.StartAsync(oidcUser: "carol", oidcGroups: ["devs"]);
        using (var local = await site.FormSignInAsync())
        {
            await site.CreateKeyAsync(local, "repository:site/**:pull,push");
        }

        using var browser = new OidcSignIn(site.Server.BaseUri);
        using (var signedIn = await browser.SignInAsync(site.Provider))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        using var session = JsonDocument.Parse(await browser.Client.GetStringAsync("/api/session"));
        Assert.Equal("oidc:carol", session.RootElement.GetProperty("name").GetString());
        Assert.Equal("[]", await browser.Client.GetStringAsync("/api/keys"));
        var (_, key) = await site.CreateKeyAsync(browser, "repository:**:pull,push");
        using var withKey = AuthSetup.BasicClient(site.Server, "carol", key);
        Assert.Equal(HttpStatusCode.Forbidden, (await withKey.PostAsync("/v2/site/spoof/blobs/uploads/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await withKey.PostAsync("/v2/team/own/blobs/uploads/", null)).StatusCode); // devs may push team/**
    }

    private async Task DeleteCarolAsync()
    {
        _site.Users.WriteUsers(("dave", "dave-Pw-1"));
        await Eventually.ValueAsync(async () =>
        {
            using var old = AuthSetup.BasicClient(_site.Server, "carol", SignInServer.CarolPassword);
            using var answer = await old.GetAsync("/token?service=ocicache");
            return answer.StatusCode == HttpStatusCode.Unauthorized ? "" : null;
        }, "the htpasswd file read again: carol gone");
    }

    private static async Task<HttpResponseMessage> AddRobotAsync(SignInServer site, OidcSignIn browser, string csrf, string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/robots")
        {
            Content = new StringContent($$"""{"name":"{{name}}","scopes":["repository:**:*"]}"""),
        };
        request.Headers.Add("Origin", site.Origin);
        request.Headers.Add(CsrfCheck.HeaderName, csrf);
        return await browser.Client.SendAsync(request);
    }

    /// <summary><c>POST /token</c> with <c>grant_type=password</c>: the refresh token that comes with it.</summary>
    private async Task<string> PasswordGrantAsync(string user, string password)
    {
        using var response = await _site.Server.Client.PostAsync("/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = user, ["password"] = password, ["service"] = "ocicache",
            ["client_id"] = "test", ["access_type"] = "offline", ["scope"] = "repository:site/a:pull",
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"password grant: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("refresh_token").GetString()!;
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        _site.Server.Client.PostAsync("/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["service"] = "ocicache",
            ["client_id"] = "test", ["access_type"] = "offline", ["scope"] = "repository:site/a:pull",
        }));
}
