using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OciCache.Auth;
using OciCache.IntegrationTests.Auth;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>
/// A server with access control, an htpasswd user (carol) and a real OIDC provider (alice, in the groups
/// admins and devs) whose client redirects to this server's <c>/ui/signin/callback</c>.
/// </summary>
public sealed class SignInServer : IAsyncDisposable
{
    public const string CarolPassword = "carol-Pw-7731";

    private readonly AuthSetup _auth = new(("carol", CarolPassword));

    private SignInServer(RegistryServer server, OidcProvider provider)
    {
        Server = server;
        Provider = provider;
    }

    public RegistryServer Server { get; private set; }

    public OidcProvider Provider { get; private set; }

    /// <summary>The htpasswd file's users: rewrite them to delete carol or change her password.</summary>
    public AuthSetup Users => _auth;

    public string Origin => Server.BaseUri.GetLeftPart(UriPartial.Authority);

    public static async Task<SignInServer> StartAsync(
        TimeProvider? time = null, Action<AuthSettings>? configure = null, string oidcUser = "alice", string[]? oidcGroups = null)
    {
        var port = OidcProvider.FreePort();
        var fixture = new SignInServer(null!, null!);
        fixture.Server = await RegistryServer.StartAsync(fixture._auth.Configure(a =>
        {
            a.AdminGroup = "admins";
            a.Policies =
            [
                new PolicyRule { Repositories = ["site/**"], Users = ["carol"], Actions = ["pull", "push"] },
                new PolicyRule { Repositories = ["team/**"], Groups = ["devs"], Actions = ["pull", "push"] },
            ];
            a.Oidc = new OidcSettings { Issuer = OidcProvider.IssuerOn(port), ClientId = OidcProvider.ClientId, ClientSecret = OidcProvider.ClientSecret };
            configure?.Invoke(a);
        }), time: time);
        fixture.Provider = await OidcProvider.StartAsync(
            port, [new Uri(fixture.Server.BaseUri, "/ui/signin/callback").ToString()], user: oidcUser, groups: oidcGroups ?? ["admins", "devs"]);
        return fixture;
    }

    /// <summary>A browser-like client signed in with the form as carol.</summary>
    public async Task<OidcSignIn> FormSignInAsync(string password = CarolPassword)
    {
        var browser = new OidcSignIn(Server.BaseUri);
        using var response = await PostFormAsync(browser, "/ui/signin", new() { ["username"] = "carol", ["password"] = password, ["returnUrl"] = "/api/keys" });
        return response.StatusCode == HttpStatusCode.SeeOther ? browser
            : throw new Xunit.Sdk.XunitException($"form sign-in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<HttpResponseMessage> PostFormAsync(OidcSignIn browser, string path, Dictionary<string, string> fields, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Origin", origin ?? Origin);
        return await browser.Client.SendAsync(request);
    }

    /// <summary>The session's CSRF token, as a page's script reads it.</summary>
    public static async Task<string> CsrfTokenAsync(OidcSignIn browser)
    {
        using var json = JsonDocument.Parse(await browser.Client.GetStringAsync("/api/session"));
        return json.RootElement.GetProperty("csrfToken").GetString()!;
    }

    /// <summary><c>POST /api/keys</c> from the session (token and origin given) → the key's text.</summary>
    public async Task<(string Id, string Key)> CreateKeyAsync(OidcSignIn browser, string scope, DateTimeOffset? expiresAt = null)
    {
        var fields = new Dictionary<string, object> { ["name"] = "laptop", ["scopes"] = new[] { scope } };
        if (expiresAt is { } expires)
        {
            fields["expiresAt"] = expires.ToString("O");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(fields) };
        request.Headers.Add("Origin", Origin);
        request.Headers.Add("X-CSRF-Token", await CsrfTokenAsync(browser));
        using var response = await browser.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create key: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("id").GetString()!, json.RootElement.GetProperty("key").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        await Server.DisposeAsync();
        _auth.Dispose();
    }
}
