using Microsoft.Playwright;
using OciCache.Auth;
using OciCache.IntegrationTests.PullThrough;
using OciCache.Lifecycle;
using OciCache.Upstream;

namespace OciCache.IntegrationTests.WebConsole;

/// <summary>
/// The console in a real browser (Debian's chromium, headless, driven by Playwright): a person signs in through
/// the OIDC provider's login page, watches a cold then a warm skopeo pull move the overview's figures, creates an
/// API key and pushes with it, revokes it and sees the next push refused, and signs out. Every page is opened
/// with no console error and no request leaving 127.0.0.1. With OCICACHE_SCREENSHOTS=1 it writes a screenshot of
/// every page to docs/console/.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private const string Upstream = "upstream.test";

    private readonly AuthSetup _auth = new(("carol", "carol-Pw-1340"));
    private readonly TempDirectory _temp = new("console-browser");
    private readonly List<string> _outside = [];
    private readonly List<string> _errors = [];
    private readonly TestImage _nginx = TestImage.Create(layers: 3, layerBytes: 400_000, seed: 1340);
    private FakeUpstream _hub = null!;
    private RegistryServer _server = null!;
    private OidcProvider _provider = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;

    private string Origin => _server.BaseUri.GetLeftPart(UriPartial.Authority);

    public async Task InitializeAsync()
    {
        _hub = FakeUpstream.Start();
        _hub.Image("library/nginx", "1.27", _nginx);
        var port = OidcProvider.FreePort();
        _server = await RegistryServer.StartAsync(settings =>
        {
            _auth.Configure(a =>
            {
                a.AdminGroup = "admins";
                a.Policies = [new PolicyRule { Repositories = ["team/**"], Groups = ["devs"], Actions = ["pull", "push"] }];
                a.Oidc = new OidcSettings { Issuer = OidcProvider.IssuerOn(port), ClientId = OidcProvider.ClientId, ClientSecret = OidcProvider.ClientSecret };
            })(settings);
            settings.Upstreams[Upstream] = new UpstreamOptions { Url = _hub.Url };
            settings.Prefetch.Images = [new PrefetchImage { Image = $"{Upstream}/library/nginx", Tags = ["1.27"], Platforms = ["linux/amd64"] }];
            settings.Prefetch.RunAtStart = false;
        });
        _provider = await OidcProvider.StartAsync(port, [new Uri(_server.BaseUri, "/ui/signin/callback").ToString()], groups: ["admins", "devs"]);

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Tools.Require("chromium"),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"],
        });
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await context.RouteAsync("**/*", async route =>
        {
            if (new Uri(route.Request.Url).Host == "127.0.0.1")
            {
                await route.ContinueAsync();
                return;
            }

            lock (_outside)
            {
                _outside.Add(route.Request.Url);
            }

            await route.AbortAsync();
        });
        _page = await context.NewPageAsync();
        _page.Console += (_, message) =>
        {
            if (message.Type == "error" && _page.Url.StartsWith(Origin, StringComparison.Ordinal))
            {
                lock (_errors)
                {
                    _errors.Add($"{_page.Url}: {message.Text}");
                }
            }
        };
        _page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add($"{_page.Url}: {error}");
            }
        };
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _provider.DisposeAsync();
        await _server.DisposeAsync();
        _hub.Dispose();
        _auth.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Person_SignsInPullsPushesWithAKeyRevokesItAndSignsOut_EveryPageCleanAndLocal()
    {
        // Signed out, the console shows figures but offers sign-in.
        await OpenAsync("/ui/overview");
        await Screenshot("signed-out");
        await _page.ClickAsync("header >> text=Sign in");
        await _page.WaitForURLAsync(url => url.Contains("/ui/signin", StringComparison.Ordinal));
        await Screenshot("signin");

        // The OIDC provider's own login and consent pages, then back to the console.
        await _page.ClickAsync("text=Sign in with your organisation's account");
        await _page.WaitForURLAsync(url => url.StartsWith(_provider.IssuerText, StringComparison.Ordinal));
        await _page.FillAsync("input[name=login]", _provider.UserName);
        await _page.FillAsync("input[name=password]", _provider.Password);
        await _page.ClickAsync("button[type=submit]");
        await _page.ClickAsync("button[type=submit]"); // consent
        await _page.WaitForURLAsync(url => url.StartsWith(Origin + "/ui/overview", StringComparison.Ordinal));
        Assert.Contains("alice (admin)", await _page.InnerTextAsync("header .who"));
        Assert.Equal("0", await Field("misses"));
        Assert.Equal("0", await Field("hits"));

        // A cold pull: misses and bytes fetched upstream; then a warm one: hits and bytes served from the cache.
        var image = $"{_server.Host}/{Upstream}/library/nginx:1.27";
        await Skopeo.CheckedAsync("copy", "--src-tls-verify=false", $"docker://{image}", $"oci:{_temp.Combine("cold")}:1.27");
        foreach (var blob in _nginx.Blobs)
        {
            await _server.WhenStoredAsync(blob.Digest);
        }

        await OpenAsync("/ui/overview");
        Assert.NotEqual("0", await Field("misses"));
        Assert.Equal("0", await Field("hits"));
        Assert.NotEqual("0 B", await Field("fetchedBytes"));
        Assert.Equal("0 B", await Field("servedBytes"));

        await Skopeo.CheckedAsync("copy", "--src-tls-verify=false", $"docker://{image}", $"oci:{_temp.Combine("warm")}:1.27");
        await OpenAsync("/ui/overview");
        Assert.NotEqual("0", await Field("hits"));
        Assert.NotEqual("0 B", await Field("servedBytes"));
        Assert.Equal("reachable", await Field("state"));
        await Screenshot("overview");

        // An API key made on the Admin page is alice's password for a push.
        await OpenAsync("/ui/admin");
        var keyForm = _page.Locator("form[data-action='/api/keys']");
        await keyForm.Locator("input[name=name]").FillAsync("laptop");
        await keyForm.Locator("input[name=scopes]").FillAsync("repository:team/**:pull,push");
        await keyForm.Locator("button").ClickAsync();
        var shown = _page.Locator("form[data-action='/api/keys'] + p.secret");
        await shown.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        var key = (await shown.InnerTextAsync()).Split(": ", 2)[1].Trim();

        var layout = _temp.Combine("layout");
        var pushed = TestImage.Create(layers: 1, seed: 1341);
        TestImage.WriteOciLayout(layout, "v1", pushed.Manifest, pushed.Blobs);
        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"alice:{key}", $"oci:{layout}:v1", $"docker://{_server.Host}/team/app:v1");

        // A robot made on the same page, its secret shown once.
        var robotForm = _page.Locator("form[data-action='/api/robots']");
        await robotForm.Locator("input[name=name]").FillAsync("ci");
        await robotForm.Locator("input[name=scopes]").FillAsync("repository:team/*:pull");
        await robotForm.Locator("button").ClickAsync();
        await _page.Locator("form[data-action='/api/robots'] + p.secret").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });

        // Revoked on the page, the key no longer pushes.
        await OpenAsync("/ui/admin");
        Assert.Contains("robot$ci", await _page.InnerTextAsync("main"));
        await _page.Locator("form[data-action^='/api/keys/'] button").ClickAsync();
        await _page.WaitForLoadStateAsync(LoadState.Load);
        await Eventually.ValueAsync(async () => await _page.Locator("form[data-action^='/api/keys/']").CountAsync() == 0 ? "gone" : null, "the revoked key's row");
        var refused = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"alice:{key}", $"oci:{layout}:v1", $"docker://{_server.Host}/team/app:v2");
        Assert.NotEqual(0, refused.ExitCode);

        // An admin revokes a key in the list of everyone's keys (here alice's own second key): it stops at once.
        await keyForm.Locator("input[name=name]").FillAsync("desk");
        await keyForm.Locator("input[name=scopes]").FillAsync("repository:team/**:pull,push");
        await keyForm.Locator("button").ClickAsync();
        await shown.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        var second = (await shown.InnerTextAsync()).Split(": ", 2)[1].Trim();
        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"alice:{second}", $"oci:{layout}:v1", $"docker://{_server.Host}/team/app:v3");
        await OpenAsync("/ui/admin");
        Assert.Contains("oidc:alice", await _page.InnerTextAsync("#all-keys"));
        await _page.Locator("#all-keys form[data-action^='/api/admin/keys/'] button").ClickAsync();
        await _page.WaitForLoadStateAsync(LoadState.Load);
        await Eventually.ValueAsync(async () => await _page.Locator("#all-keys form").CountAsync() == 0 ? "gone" : null, "the key revoked by the admin");
        var revokedByAdmin = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"alice:{second}", $"oci:{layout}:v1", $"docker://{_server.Host}/team/app:v4");
        Assert.NotEqual(0, revokedByAdmin.ExitCode);
        await Screenshot("admin");

        // Every other page, from the data above.
        foreach (var (path, name) in new[]
                 {
                     ("/ui/storage", "storage"), ("/ui/repositories", "repositories"), ($"/ui/repositories/{Upstream}/library/nginx", "repository"),
                     ("/ui/repositories/team/app", "repository-local"), ("/ui/prefetch", "prefetch"),
                 })
        {
            await OpenAsync(path);
            await Screenshot(name);
            if (name.StartsWith("repository", StringComparison.Ordinal))
            {
                Assert.Contains($"docker pull {_server.Host}/", await _page.InnerTextAsync("main"));
            }
        }

        // A phone's width shows the same page without sideways scrolling of the whole page.
        await _page.SetViewportSizeAsync(390, 844);
        await OpenAsync("/ui/overview");
        Assert.True(await _page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the overview scrolls sideways on a phone");
        await Screenshot("overview-phone");
        await _page.SetViewportSizeAsync(1280, 900);

        // Signing out ends the session: the console offers sign-in again.
        await _page.ClickAsync("header form.signout button");
        await _page.WaitForURLAsync(url => url.Contains("/ui/signin", StringComparison.Ordinal));
        await OpenAsync("/ui/admin");
        Assert.Contains("Sign in", await _page.InnerTextAsync("header .who"));

        Assert.Empty(_errors);
        Assert.Empty(_outside);
    }

    private async Task OpenAsync(string path)
    {
        var response = await _page.GotoAsync(Origin + path);
        Assert.True(response is { Status: 200 }, $"{path}: {response?.Status}");
    }

    private Task<string> Field(string field) =>
        _page.InnerTextAsync($"[data-upstream='{Upstream}'] [data-field='{field}']");

    private async Task Screenshot(string name)
    {
        if (Environment.GetEnvironmentVariable(ProcessRunner.ScreenshotsVariable) != "1")
        {
            return;
        }

        var folder = Path.Combine(OidcProvider.RepositoryRoot(), "docs", "console");
        Directory.CreateDirectory(folder);
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
