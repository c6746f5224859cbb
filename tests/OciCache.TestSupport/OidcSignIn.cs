using System.Net;
using System.Text.RegularExpressions;

namespace OciCache.Testing;

/// <summary>
/// Signs in through the OIDC provider without a browser: an <see cref="HttpClient"/> with a cookie jar that
/// follows redirects itself and posts the provider's login and consent forms, the way a browser would.
/// </summary>
public sealed partial class OidcSignIn : IDisposable
{
    private readonly HttpClient _client;

    public OidcSignIn(Uri server)
    {
        Cookies = new CookieContainer();
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = Cookies, UseCookies = true })
        {
            BaseAddress = server,
        };
    }

    /// <summary>The browser's cookies: the session cookie after a sign-in.</summary>
    public CookieContainer Cookies { get; }

    /// <summary>The client with the browser's cookies (no redirects followed).</summary>
    public HttpClient Client => _client;

    /// <summary>
    /// From <c>/ui/signin/oidc</c> through the provider's login and consent forms up to (not into) OciCache's
    /// callback; returns the callback URL (<c>…/ui/signin/callback?code=…&amp;state=…</c>).
    /// </summary>
    public async Task<Uri> ReachCallbackAsync(OidcProvider provider, string returnUrl = "/", string? password = null)
    {
        var next = new Uri(_client.BaseAddress!, $"/ui/signin/oidc?returnUrl={Uri.EscapeDataString(returnUrl)}");
        for (var step = 0; step < 20; step++)
        {
            if (next.AbsolutePath == "/ui/signin/callback")
            {
                return next;
            }

            using var response = await _client.GetAsync(next);
            if (response.Headers.Location is { } location)
            {
                next = new Uri(next, location);
                continue;
            }

            var html = await response.Content.ReadAsStringAsync();
            var action = FormAction().Match(html);
            if (response.StatusCode != HttpStatusCode.OK || !action.Success)
            {
                throw new Xunit.Sdk.XunitException($"sign-in stopped at {next} ({(int)response.StatusCode}):\n{html}\n{provider.Output}");
            }

            var fields = html.Contains("name=\"password\"", StringComparison.Ordinal)
                ? new Dictionary<string, string> { ["login"] = provider.UserName, ["password"] = password ?? provider.Password }
                : [];
            using var posted = await _client.PostAsync(new Uri(next, action.Groups[1].Value), new FormUrlEncodedContent(fields));
            next = posted.Headers.Location is { } after
                ? new Uri(next, after)
                : throw new Xunit.Sdk.XunitException($"the provider's form at {next} answered {(int)posted.StatusCode}: {await posted.Content.ReadAsStringAsync()}");
        }

        throw new Xunit.Sdk.XunitException("sign-in did not reach the callback in 20 steps");
    }

    /// <summary>The whole code flow: the callback's answer (303 to the return URL with the session cookie, or a refusal).</summary>
    public async Task<HttpResponseMessage> SignInAsync(OidcProvider provider, string returnUrl = "/") =>
        await _client.GetAsync(await ReachCallbackAsync(provider, returnUrl));

    public void Dispose() => _client.Dispose();

    [GeneratedRegex("<form[^>]*action=\"([^\"]+)\"")]
    private static partial Regex FormAction();
}
