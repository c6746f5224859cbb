using Microsoft.Extensions.DependencyInjection;
using OciCache.Auth;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// skopeo and podman, real clients, against access control: they follow the Bearer challenge to <c>/token</c>
/// with a user's password or a robot's secret, push and pull; wrong credentials and anonymous pushes fail.
/// </summary>
public sealed class AuthClientTests : IAsyncLifetime
{
    private const string AlicePassword = "alice-Pw-5521";
    private readonly AuthSetup _auth = new(("alice", AlicePassword), ("bob", "bob-pw"));
    private readonly TempDirectory _temp = new("authclients");
    private RegistryServer _server = null!;
    private Podman _podman = null!;

    public async Task InitializeAsync()
    {
        _server = await RegistryServer.StartAsync(_auth.Configure(a => a.Policies =
        [
            new PolicyRule { Repositories = ["site/**"], Users = ["alice"], Actions = ["pull", "push", "delete"] },
            new PolicyRule { Repositories = ["site/**"], Users = ["bob"], Actions = ["pull"] },
        ]));
        _podman = new Podman(_server.Host);
    }

    public async Task DisposeAsync()
    {
        _podman.Dispose();
        await _server.DisposeAsync();
        _temp.Dispose();
        _auth.Dispose();
    }

    [Fact]
    public async Task Skopeo_User_PushesAndPullsBack()
    {
        var source = Layout(401);
        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"alice:{AlicePassword}", $"oci:{source}:v1", $"docker://{_server.Host}/site/skopeo:v1");
        await Skopeo.CheckedAsync("copy", "--src-tls-verify=false", "--src-creds", "bob:bob-pw", $"docker://{_server.Host}/site/skopeo:v1", $"oci:{_temp.Combine("back")}:v1");

        Assert.Contains((await AuditFile.ReadAsync(_server)), e => e is { Action: "manifest.push", Who: "alice", Repository: "site/skopeo", Reference: "v1" });
        Assert.DoesNotContain(AlicePassword, _server.Log.ToString());
    }

    [Fact]
    public async Task Skopeo_Robot_PushesWithItsSecret()
    {
        var (_, secret) = await Robots.AddAsync("ci", [new RobotScope("site/robot/**", ["pull", "push"])], null, default);
        var source = Layout(402);

        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"robot$ci:{secret}", $"oci:{source}:v1", $"docker://{_server.Host}/site/robot/app:v1");
        await Skopeo.CheckedAsync("copy", "--src-tls-verify=false", "--src-creds", $"robot$ci:{secret}", $"docker://{_server.Host}/site/robot/app:v1", $"oci:{_temp.Combine("robot-back")}:v1");
        var outside = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"robot$ci:{secret}", $"oci:{source}:v1", $"docker://{_server.Host}/site/other:v1");

        Assert.Contains((await AuditFile.ReadAsync(_server)), e => e is { Action: "manifest.push", Who: "robot$ci", Repository: "site/robot/app" });
        Assert.NotEqual(0, outside.ExitCode);
        Assert.DoesNotContain(secret, _server.Log.ToString() + string.Join('\n', (await AuditFile.ReadAsync(_server))));
    }

    [Fact]
    public async Task Skopeo_WrongPassword_Refused()
    {
        var result = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", "alice:not-her-password", $"oci:{Layout(403)}:v1",
            $"docker://{_server.Host}/site/wrong:v1");

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Stderr.Contains("401") || result.Stderr.Contains("authentication required"), result.Stderr);
        Assert.Contains((await AuditFile.ReadAsync(_server)), e => e is { Action: "signin", Result: "failed", Who: "alice" });
        Assert.DoesNotContain((await AuditFile.ReadAsync(_server)), e => e is { Action: "manifest.push", Repository: "site/wrong" });
    }

    [Fact]
    public async Task Skopeo_AnonymousPush_RefusedWithTheBearerChallenge()
    {
        var result = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", $"oci:{Layout(404)}:v1", $"docker://{_server.Host}/site/anonymous:v1");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains((await AuditFile.ReadAsync(_server)), e => e is { Action: "policy.deny", Result: "unauthorized", Who: "anonymous", Repository: "site/anonymous" });
        using var response = await _server.Client.PostAsync("/v2/site/anonymous/blobs/uploads/", null);
        Assert.Contains("scope=\"repository:site/anonymous:pull,push\"", response.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task Podman_UserLogsIn_PullsPushesUnderAnotherName()
    {
        var image = TestImage.Create(layers: 2, seed: 405);
        using (var alice = AuthSetup.BasicClient(_server, "alice", AlicePassword))
        {
            await alice.PushImageAsync("site/base", "v1", image);
        }

        await _podman.CheckedAsync("login", "-u", "alice", "-p", AlicePassword, _server.Host);
        await _podman.CheckedAsync("pull", $"{_server.Host}/site/base:v1");
        await _podman.CheckedAsync("tag", $"{_server.Host}/site/base:v1", $"{_server.Host}/site/podman:v2");
        await _podman.CheckedAsync("push", $"{_server.Host}/site/podman:v2");

        using var manifest = await _server.Client.GetAsync("/v2/site/podman/manifests/v2"); // anonymous pull (the default)
        Assert.Equal(System.Net.HttpStatusCode.OK, manifest.StatusCode);
        Assert.Contains((await AuditFile.ReadAsync(_server)), e => e is { Action: "manifest.push", Who: "alice", Repository: "site/podman" });
        Assert.DoesNotContain(AlicePassword, _server.Log.ToString());
    }

    [Fact]
    public async Task Podman_WrongPassword_LoginRefused()
    {
        var result = await _podman.RunAsync("login", "-u", "alice", "-p", "not-her-password", _server.Host);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains((await AuditFile.ReadAsync(_server)), e => e is { Action: "signin", Result: "failed", Who: "alice" });
    }

    [Fact]
    public async Task Podman_Robot_PushesWithCreds_ReaderRefused()
    {
        var (_, secret) = await Robots.AddAsync("podman", [new RobotScope("site/**", ["pull", "push"])], null, default);
        var image = TestImage.Create(layers: 1, seed: 406);
        using (var alice = AuthSetup.BasicClient(_server, "alice", AlicePassword))
        {
            await alice.PushImageAsync("site/robot-base", "v1", image);
        }

        await _podman.CheckedAsync("pull", $"{_server.Host}/site/robot-base:v1");
        await _podman.CheckedAsync("tag", $"{_server.Host}/site/robot-base:v1", $"{_server.Host}/site/robot-pushed:v1");
        await _podman.CheckedAsync("push", "--creds", $"robot$podman:{secret}", $"{_server.Host}/site/robot-pushed:v1");
        var reader = await _podman.RunAsync("push", "--creds", "bob:bob-pw", $"{_server.Host}/site/robot-pushed:v1");

        Assert.Contains((await AuditFile.ReadAsync(_server)), e => e is { Action: "manifest.push", Who: "robot$podman", Repository: "site/robot-pushed" });
        Assert.NotEqual(0, reader.ExitCode);
        Assert.Contains((await AuditFile.ReadAsync(_server)), e => e is { Action: "policy.deny", Result: "denied", Who: "bob" });
    }

    private IRobotAccounts Robots => _server.Services.GetRequiredService<IRobotAccounts>();

    private string Layout(int seed)
    {
        var image = TestImage.Create(layers: 2, layerBytes: 64 * 1024, seed: seed);
        var path = _temp.Combine($"layout-{seed}");
        TestImage.WriteOciLayout(path, "v1", image.Manifest, image.Blobs);
        return path;
    }
}
