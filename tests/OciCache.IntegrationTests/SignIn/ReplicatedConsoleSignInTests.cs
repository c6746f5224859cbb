using System.Net;
using System.Text.Json;
using OciCache.Access;
using OciCache.Auth;
using OciCache.IntegrationTests.Backends;
using OciCache.Hosting;
using OciCache.Storage;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.SignIn;

/// <summary>
/// Two replicas (real servers, each with its own data folder and container) with <c>Metadata:Backend=postgres</c>
/// on one database, behind one external URL as a load balancer would put them, and a real OIDC provider: the
/// sign-in starts on A, the issuer's callback lands on B, the session works on A and ends on both at sign-out.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ReplicatedConsoleSignInTests(ScaleOutBackends backends) : IAsyncLifetime
{
    private readonly AuthSetup _auth = new(("carol", "carol-Pw-5150"));
    private readonly int _portA = OciCacheProcess.FreePort();
    private readonly int _issuerPort = OidcProvider.FreePort();
    private RegistryServer _a = null!;
    private RegistryServer _b = null!;
    private OidcProvider _provider = null!;

    private string External => $"http://127.0.0.1:{_portA}";

    public async Task InitializeAsync()
    {
        var database = await backends.Postgres.CreateDatabaseAsync();
        _a = await RegistryServer.StartAsync(settings => Configure(settings, database, $"127.0.0.1:{_portA}"));
        _b = await RegistryServer.StartAsync(settings => Configure(settings, database, "127.0.0.1:0"));
        _provider = await OidcProvider.StartAsync(_issuerPort, [$"{External}/ui/signin/callback"], user: "alice", groups: ["admins", "devs"]);
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await Task.WhenAll(_a?.DisposeAsync().AsTask() ?? Task.CompletedTask, _b?.DisposeAsync().AsTask() ?? Task.CompletedTask);
        _auth.Dispose();
    }

    [Fact]
    public async Task OidcSignIn_StartedOnA_CallbackOnB_SessionOnBothUntilSignOut()
    {
        using var browser = new OidcSignIn(_a.BaseUri);
        var callback = await browser.ReachCallbackAsync(_provider, "/api/keys");
        Assert.Equal(_portA, callback.Port);

        // The balancer sends the callback to B: B takes the sign-in A started and makes the session.
        using (var answer = await browser.Client.GetAsync(new UriBuilder(callback) { Port = _b.BaseUri.Port }.Uri))
        {
            Assert.True(answer.StatusCode == HttpStatusCode.SeeOther, $"{(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
            Assert.Equal("/api/keys", answer.Headers.Location?.OriginalString);
        }

        // A replayed callback finds nothing on either replica.
        using (var replay = await browser.Client.GetAsync(callback))
        {
            Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        }

        // Cookies are per host, not per port: the same browser carries the session to A.
        using var session = JsonDocument.Parse(await browser.Client.GetStringAsync(new Uri(_a.BaseUri, "/api/session")));
        Assert.Equal("oidc:alice", session.RootElement.GetProperty("name").GetString());
        Assert.Equal(["admins", "devs"], session.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));

        // Signed out on A (CSRF-checked with the token B handed out): gone on B too.
        using var signOut = new HttpRequestMessage(HttpMethod.Post, new Uri(_a.BaseUri, "/ui/signout"));
        signOut.Headers.Add("Origin", External);
        signOut.Headers.Add(CsrfCheck.HeaderName, session.RootElement.GetProperty("csrfToken").GetString());
        var cookie = browser.Cookies.GetCookies(_a.BaseUri).Single(c => c.Name == SessionCookie.PlainName);
        using (var answer = await browser.Client.SendAsync(signOut))
        {
            Assert.Equal(HttpStatusCode.SeeOther, answer.StatusCode);
        }

        using var stale = new HttpClient { BaseAddress = _b.BaseUri };
        stale.DefaultRequestHeaders.Add("Cookie", $"{cookie.Name}={cookie.Value}"); // the old cookie, kept by someone
        using var after = await stale.GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.DoesNotContain(cookie.Value, _a.Log.ToString() + _b.Log.ToString());
    }

    private void Configure(OciCacheSettings settings, string database, string listen)
    {
        settings.Listen = listen;
        settings.Metadata.Backend = MetadataOptions.PostgresBackend;
        settings.Metadata.Postgres.ConnectionString = database;
        _auth.Configure(a =>
        {
            a.ExternalUrl = External;
            a.AdminGroup = "admins";
            a.Oidc = new OidcSettings { Issuer = OidcProvider.IssuerOn(_issuerPort), ClientId = OidcProvider.ClientId, ClientSecret = OidcProvider.ClientSecret };
        })(settings);
    }
}
