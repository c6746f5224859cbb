using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OciCache.Auth;

namespace OciCache.IntegrationTests.WebConsole;

/// <summary>Who may read and change what through the console's API, with access control on.</summary>
public sealed class ConsoleApiAccessTests : IAsyncLifetime
{
    private const string AdminPassword = "admin-pw-1301";
    private const string BobPassword = "bob-pw-1301";

    private readonly AuthSetup _auth = new(("admin", AdminPassword), ("bob", BobPassword));
    private RegistryServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await RegistryServer.StartAsync(_auth.Configure(a =>
        {
            a.Groups["admins"] = ["admin"];
            a.AdminGroup = "admins";
            a.Anonymous = new() { ["**"] = ["none"] };
            a.Policies = [new PolicyRule { Repositories = ["team/**"], Users = ["bob"], Actions = ["pull"] }];
        }));
        using var admin = AuthSetup.BasicClient(_server, "admin", AdminPassword);
        await admin.PushImageAsync("team/app", "v1", TestImage.Create(layers: 1, seed: 1310));
        await admin.PushImageAsync("secret/app", "v1", TestImage.Create(layers: 1, seed: 1311));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _auth.Dispose();
    }

    [Theory]
    [InlineData("GET", "/api/robots")]
    [InlineData("GET", "/api/audit")]
    [InlineData("POST", "/api/robots")]
    [InlineData("DELETE", "/api/robots/ci")]
    [InlineData("POST", "/api/pins")]
    [InlineData("DELETE", "/api/pins?pattern=team/app")]
    [InlineData("POST", "/api/prefetch/run")]
    public async Task AdminEndpoint_NoIdentity401_OtherUser403(string method, string path)
    {
        using var anonymous = await _server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Body() });
        await RegistryHttp.AssertOciErrorAsync(anonymous, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.StartsWith("Bearer ", anonymous.Headers.WwwAuthenticate.ToString());

        using var bob = AuthSetup.BasicClient(_server, "bob", BobPassword);
        using var refused = await bob.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Body() });
        await RegistryHttp.AssertOciErrorAsync(refused, HttpStatusCode.Forbidden, "DENIED");
    }

    [Fact]
    public async Task Repositories_ForAUser_ListOnlyWhatTheUserMayPull()
    {
        using var bob = AuthSetup.BasicClient(_server, "bob", BobPassword);
        using var list = await ConsoleApiTests.GetJsonAsync(bob, "/api/repositories");
        Assert.Equal(["team/app"], list.RootElement.GetProperty("repositories").EnumerateArray().Select(r => r.GetProperty("name").GetString()));

        using var hidden = await bob.GetAsync("/api/repositories/secret/app/tags");
        await RegistryHttp.AssertOciErrorAsync(hidden, HttpStatusCode.NotFound, "NAME_UNKNOWN");

        using var admin = AuthSetup.BasicClient(_server, "admin", AdminPassword);
        using var all = await ConsoleApiTests.GetJsonAsync(admin, "/api/repositories");
        Assert.Equal(["secret/app", "team/app"], all.RootElement.GetProperty("repositories").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Robots_CreatedByAnAdmin_SecretShownOnceWorksAndStopsWhenRemoved()
    {
        using var admin = AuthSetup.BasicClient(_server, "admin", AdminPassword);
        using var created = await admin.PostAsync("/api/robots", JsonContent.Create(new { name = "ci", scopes = new[] { "repository:team/*:pull" }, expires = "90d" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var secret = body.RootElement.GetProperty("secret").GetString()!;
        Assert.Equal("robot$ci", body.RootElement.GetProperty("robot").GetProperty("userName").GetString());

        var listing = await admin.GetStringAsync("/api/robots");
        Assert.Contains("\"name\":\"ci\"", listing);
        Assert.DoesNotContain(secret, listing);

        using (var robot = AuthSetup.BasicClient(_server, "robot$ci", secret))
        using (var pull = await robot.GetAsync("/v2/team/app/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        using var removed = await admin.DeleteAsync("/api/robots/ci");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using (var robot = AuthSetup.BasicClient(_server, "robot$ci", secret))
        using (var pull = await robot.GetAsync("/v2/team/app/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, pull.StatusCode);
        }

        await Eventually.ValueAsync(async () =>
        {
            using var audit = await ConsoleApiTests.GetJsonAsync(admin, "/api/audit?action=robot.add&who=admin");
            return audit.RootElement.GetProperty("events").EnumerateArray().Any(e => e.GetProperty("reference").GetString() == "ci") ? "found" : null;
        }, "the robot.add line in /api/audit");
        Assert.DoesNotContain(secret, await admin.GetStringAsync("/api/audit?limit=1000"));
    }

    [Fact]
    public async Task Pins_AddedByAnAdmin_AreListedInStorageUntilRemoved()
    {
        using var admin = AuthSetup.BasicClient(_server, "admin", AdminPassword);
        using (var added = await admin.PostAsync("/api/pins", JsonContent.Create(new { pattern = "team/app:v*" })))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        using (var storage = await ConsoleApiTests.GetJsonAsync(admin, "/api/storage"))
        {
            var pin = Assert.Single(storage.RootElement.GetProperty("pins").EnumerateArray());
            Assert.Equal("team/app:v*", pin.GetProperty("pattern").GetString());
            Assert.Equal("admin", pin.GetProperty("createdBy").GetString());
        }

        using (var removed = await admin.DeleteAsync("/api/pins?pattern=" + Uri.EscapeDataString("team/app:v*")))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using var after = await ConsoleApiTests.GetJsonAsync(admin, "/api/storage");
        Assert.Empty(after.RootElement.GetProperty("pins").EnumerateArray());
        using var again = await admin.DeleteAsync("/api/pins?pattern=team/app");
        await RegistryHttp.AssertOciErrorAsync(again, HttpStatusCode.NotFound, "NAME_UNKNOWN");
    }

    private static StringContent Body() => new("{}", System.Text.Encoding.UTF8, "application/json");
}
