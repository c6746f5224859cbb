using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Access;
using OciCache.IntegrationTests.Auth;
using OciCache.SignIn;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>
/// The authorization code flow against a real provider (npm oidc-provider), without a browser: the login and
/// consent forms are posted, the callback makes a session, and the session calls <c>/api</c> as the person
/// with the provider's groups. A wrong state, nonce or PKCE verifier ends in a refusal and no session.
/// </summary>
public sealed class OidcSignInTests : IAsyncLifetime
{
    private SignInServer _site = null!;

    public async Task InitializeAsync() => _site = await SignInServer.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task CodeFlow_ValidSignIn_SessionIsThePersonWithTheIssuersGroups()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);
        var callback = await browser.ReachCallbackAsync(_site.Provider, "/api/keys");
        using var response = await browser.Client.GetAsync(callback);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/api/keys", response.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionCookie.PlainName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        using var session = JsonDocument.Parse(await browser.Client.GetStringAsync("/api/session"));
        Assert.Equal("oidc:alice", session.RootElement.GetProperty("name").GetString());
        Assert.Equal(["admins", "devs"], session.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.True(session.RootElement.GetProperty("admin").GetBoolean());

        // The admin group from the issuer opens an admin-only endpoint to the session.
        using var offline = new HttpRequestMessage(HttpMethod.Put, "/api/offline") { Content = new StringContent("""{"offline": false}""") };
        offline.Headers.Add("Origin", _site.Origin);
        offline.Headers.Add(CsrfCheck.HeaderName, session.RootElement.GetProperty("csrfToken").GetString());
        using var admin = await browser.Client.SendAsync(offline);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "signin", Result: "ok", Who: "oidc:alice", Detail: "oidc" });

        var code = System.Web.HttpUtility.ParseQueryString(callback.Query)["code"]!;
        Assert.DoesNotContain(code, _site.Server.Log.ToString());
        Assert.DoesNotContain(_site.Provider.Password, _site.Server.Log.ToString());
    }

    [Fact]
    public async Task Callback_WrongState_RefusedWithoutSession()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);
        var callback = await browser.ReachCallbackAsync(_site.Provider);
        var tampered = new UriBuilder(callback) { Query = Replace(callback, "state", "not-the-state") }.Uri;

        using var response = await browser.Client.GetAsync(tampered);

        await AssertRefusedAsync(browser, response, "unknown or expired state");
    }

    [Fact]
    public async Task Callback_FromAnotherBrowser_RefusedWithoutSession()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);
        var callback = await browser.ReachCallbackAsync(_site.Provider);
        using var other = new OidcSignIn(_site.Server.BaseUri); // no state cookie: a sign-in pushed into someone else's browser

        using var response = await other.Client.GetAsync(callback);

        await AssertRefusedAsync(other, response, "unknown or expired state");
    }

    [Fact]
    public async Task Callback_WrongNonce_Refused()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);
        var callback = await browser.ReachCallbackAsync(_site.Provider);
        var pending = _site.Server.Services.GetRequiredService<PendingSignIns>();
        var state = System.Web.HttpUtility.ParseQueryString(callback.Query)["state"]!;
        await pending.PutAsync((await pending.TakeAsync(state))! with { Nonce = "another-nonce" });

        using var response = await browser.Client.GetAsync(callback);

        await AssertRefusedAsync(browser, response, "WrongNonce");
    }

    [Fact]
    public async Task Callback_WrongPkceVerifier_RefusedByTheIssuer()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);
        var first = await browser.ReachCallbackAsync(_site.Provider);
        var second = await browser.ReachCallbackAsync(_site.Provider); // the provider remembers alice: straight back
        // The first sign-in's code with the second's state: the second's verifier does not match the first's challenge.
        var swapped = new UriBuilder(second) { Query = Replace(second, "code", System.Web.HttpUtility.ParseQueryString(first.Query)["code"]!) }.Uri;

        using var response = await browser.Client.GetAsync(swapped);

        await AssertRefusedAsync(browser, response, "the token endpoint answered 400 invalid_grant");
    }

    [Fact]
    public async Task Callback_NamingAnotherIssuer_Refused()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);
        var callback = await browser.ReachCallbackAsync(_site.Provider);
        var mixedUp = new UriBuilder(callback) { Query = Replace(callback, "iss", "https://evil.example") }.Uri;

        using var response = await browser.Client.GetAsync(mixedUp);

        await AssertRefusedAsync(browser, response, "another issuer");
    }

    [Fact]
    public async Task CodeFlow_SecondSignIn_EndsTheBrowsersPreviousSession()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);
        using (await browser.SignInAsync(_site.Provider))
        {
        }

        var first = browser.Cookies.GetCookies(_site.Server.BaseUri)[SessionCookie.PlainName]!.Value;
        using (await browser.SignInAsync(_site.Provider))
        {
        }

        using var old = new OidcSignIn(_site.Server.BaseUri);
        old.Cookies.Add(_site.Server.BaseUri, new Cookie(SessionCookie.PlainName, first, "/"));
        Assert.NotEqual(first, browser.Cookies.GetCookies(_site.Server.BaseUri)[SessionCookie.PlainName]!.Value);
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.Client.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task Callback_Replayed_Refused()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);
        var callback = await browser.ReachCallbackAsync(_site.Provider);
        var state = System.Web.HttpUtility.ParseQueryString(callback.Query)["state"]!;
        using (var first = await browser.Client.GetAsync(callback))
        {
            Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        }

        using var replay = new OidcSignIn(_site.Server.BaseUri);
        replay.Cookies.Add(_site.Server.BaseUri, new Cookie("ocicache-signin-state", state, "/ui/signin"));
        using var response = await replay.Client.GetAsync(callback);

        await AssertRefusedAsync(replay, response, "unknown or expired state");
    }

    private async Task AssertRefusedAsync(OidcSignIn browser, HttpResponseMessage response, string reason)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(SessionCookie.PlainName, string.Join('\n', response.Headers.TryGetValues("Set-Cookie", out var c) ? c : []));
        using var session = await browser.Client.GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.Unauthorized, session.StatusCode);
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "signin", Result: "failed" } && e.Detail!.Contains(reason, StringComparison.Ordinal));
        Assert.DoesNotContain("code=", body);
    }

    private static string Replace(Uri uri, string name, string value)
    {
        var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
        query[name] = value;
        return query.ToString()!;
    }
}
