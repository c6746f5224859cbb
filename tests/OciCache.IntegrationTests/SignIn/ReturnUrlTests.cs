using System.Net;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>
/// A return URL with characters outside ASCII (<c>returnUrl=/%E2%80%A8x</c>) ends in a redirect to the
/// same local path, percent-encoded, after a form or an OIDC sign-in; never in a 500, and never off the site.
/// </summary>
public sealed class ReturnUrlTests : IAsyncLifetime
{
    private SignInServer _site = null!;

    public async Task InitializeAsync() => _site = await SignInServer.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Theory]
    [InlineData("/\u2028x", "/%E2%80%A8x")]
    [InlineData("/ui/st\u00f6rage?q=\u00e9", "/ui/st%C3%B6rage?q=%C3%A9")]
    [InlineData("/\u3000/evil.example", "/%E3%80%80/evil.example")]
    [InlineData("//evil.example/\u2028", "/")]
    public async Task FormSignIn_NonAsciiReturnUrl_RedirectsPercentEncoded(string returnUrl, string expected)
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);

        using var response = await _site.PostFormAsync(browser, "/ui/signin",
            new() { ["username"] = "carol", ["password"] = SignInServer.CarolPassword, ["returnUrl"] = returnUrl });

        Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task OidcSignIn_NonAsciiReturnUrl_RedirectsPercentEncoded()
    {
        using var browser = new OidcSignIn(_site.Server.BaseUri);

        using var response = await browser.SignInAsync(_site.Provider, "/\u2028x");

        Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("/%E2%80%A8x", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignInPage_NonAsciiReturnUrl_Answers200()
    {
        using var response = await _site.Server.Client.GetAsync("/ui/signin?returnUrl=/%E2%80%A8x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
