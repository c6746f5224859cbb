using System.Net;
using OciCache.Access;
using OciCache.IntegrationTests.Auth;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>
/// The console's form sign-in for htpasswd users, the session cookie on <c>/api</c> (never on <c>/v2</c>),
/// the CSRF checks of session POSTs, and sign-out.
/// </summary>
public sealed class ConsoleSessionTests : IAsyncLifetime
{
    private SignInServer _site = null!;

    public async Task InitializeAsync() => _site = await SignInServer.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task FormSignIn_HtpasswdUser_SessionCallsTheApi()
    {
        using var browser = await _site.FormSignInAsync();

        using var keys = await browser.Client.GetAsync("/api/keys");

        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        Assert.Equal("[]", await keys.Content.ReadAsStringAsync());
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "signin", Result: "ok", Who: "carol", Detail: "form" });
        Assert.DoesNotContain(SignInServer.CarolPassword, _site.Server.Log.ToString() + await AuditFile.ReadTextAsync(_site.Server));
    }

    [Fact]
    public async Task FormSignIn_WrongPassword_401AndAudited()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);

        using var response = await _site.PostFormAsync(browser, "/ui/signin", new() { ["username"] = "carol", ["password"] = "wrong-Pw-1" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("wrong-Pw-1", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync("/api/session")).StatusCode);
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "signin", Result: "failed", Who: "carol" });
    }

    [Fact]
    public async Task FormSignIn_ForeignOrigin_Refused()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);

        using var response = await _site.PostFormAsync(browser, "/ui/signin",
            new() { ["username"] = "carol", ["password"] = SignInServer.CarolPassword }, origin: "https://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task SessionPost_WithoutCsrfToken_Refused()
    {
        using var browser = await _site.FormSignInAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = new StringContent("""{"name":"x","scopes":["repository:site/**:pull"]}""") };
        request.Headers.Add("Origin", _site.Origin);

        using var response = await browser.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("CSRF token", await response.Content.ReadAsStringAsync());
        Assert.Equal("[]", await browser.Client.GetStringAsync("/api/keys"));
    }

    [Fact]
    public async Task SessionPost_ForeignOrigin_RefusedEvenWithTheToken()
    {
        using var browser = await _site.FormSignInAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = new StringContent("""{"name":"x","scopes":["repository:site/**:pull"]}""") };
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add(CsrfCheck.HeaderName, await SignInServer.CsrfTokenAsync(browser));

        using var response = await browser.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("origin", await response.Content.ReadAsStringAsync());
        Assert.Equal("[]", await browser.Client.GetStringAsync("/api/keys"));
    }

    [Fact]
    public async Task SignOut_WithTheFormToken_EndsTheSession()
    {
        using var browser = await _site.FormSignInAsync();
        var token = await SignInServer.CsrfTokenAsync(browser);
        using (var withoutToken = await _site.PostFormAsync(browser, "/ui/signout", []))
        {
            Assert.Equal(HttpStatusCode.Forbidden, withoutToken.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/api/session")).StatusCode);

        using var signOut = await _site.PostFormAsync(browser, "/ui/signout", new() { [CsrfCheck.FieldName] = token });

        Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync("/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync("/api/keys")).StatusCode);
        Assert.Contains((await AuditFile.ReadAsync(_site.Server)), e => e is { Action: "signout", Result: "ok", Who: "carol" });
    }

    [Fact]
    public async Task SessionCookie_OnV2_IsNotAnIdentity()
    {
        using var browser = await _site.FormSignInAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/site/cookie/blobs/uploads/");
        request.Headers.Add("Origin", _site.Origin);
        request.Headers.Add(CsrfCheck.HeaderName, await SignInServer.CsrfTokenAsync(browser));

        using var response = await browser.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode); // carol may push site/**, but not with a cookie
    }
}
