using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;
using OciCache.IntegrationTests.PullThrough;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// With access control on: anonymous pulls of a mirror repository (a real distribution registry upstream)
/// through skopeo, containerd's <c>ctr --user</c> pushing and pulling over HTTP, and an expired robot refused.
/// </summary>
public sealed class AuthPullThroughTests : IAsyncLifetime
{
    private const string AlicePassword = "alice-Ctr-8812";
    private readonly AuthSetup _auth = new(("alice", AlicePassword));
    private readonly TempDirectory _temp = new("authpull");
    private DistributionRegistry _upstream = null!;

    public async Task InitializeAsync() => _upstream = await DistributionRegistry.StartAsync();

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _temp.Dispose();
        _auth.Dispose();
    }

    [Fact]
    public async Task Skopeo_AnonymousPullOfMirrorRepository_Allowed_AnonymousPushRefused()
    {
        var image = TestImage.Create(layers: 2, seed: 501);
        await _upstream.Client.PushImageAsync("library/app", "v1", image);
        await using var cache = await CacheServer.StartAsync("hub", _upstream.BaseUri.ToString(), _auth.Configure());

        var back = _temp.Combine("back");
        var pull = await Skopeo.RunAsync("copy", "--src-tls-verify=false", $"docker://{cache.Host}/hub/library/app:v1", $"oci:{back}:v1");
        var push = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", $"oci:{back}:v1", $"docker://{cache.Host}/hub/library/app:v2");

        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(image.Manifest.Bytes, File.ReadAllBytes(Path.Combine(back, "blobs", "sha256", image.Manifest.Hex)));
        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains(await AuditFile.ReadAsync(cache), e => e is { Action: "policy.deny", Who: "anonymous", Repository: "hub/library/app" });
    }

    [Fact]
    public async Task Ctr_User_PushesAndPullsOverHttp_WithoutUserPushRefused()
    {
        await using var server = await RegistryServer.StartAsync(_auth.Configure(a => a.Policies =
            [new PolicyRule { Repositories = ["site/**"], Users = ["alice"], Actions = ["pull", "push"] }]));
        var image = TestImage.Create(layers: 2, layerBytes: 128 * 1024, seed: 502);
        using (var alice = AuthSetup.BasicClient(server, "alice", AlicePassword))
        {
            await alice.PushImageAsync("site/ctr-source", "v1", image);
        }

        await using var containerd = await Containerd.StartAsync();
        var url = $"http://{server.Host}";
        containerd.WriteHostsToml(server.Host, url, (url, "\"pull\", \"resolve\", \"push\""));
        var source = $"{server.Host}/site/ctr-source:v1";
        var target = $"{server.Host}/site/ctr-pushed:v2";
        var user = $"alice:{AlicePassword}";

        await containerd.CtrCheckedAsync("images", "pull", "--user", user, "--hosts-dir", containerd.HostsDir, "--snapshotter", "native", source);
        await containerd.CtrCheckedAsync("images", "tag", source, target);
        var anonymous = await containerd.CtrAsync("images", "push", "--hosts-dir", containerd.HostsDir, target);
        await containerd.CtrCheckedAsync("images", "push", "--user", user, "--hosts-dir", containerd.HostsDir, target);
        await containerd.ForgetAllAsync();
        await containerd.CtrCheckedAsync("images", "pull", "--user", user, "--hosts-dir", containerd.HostsDir, "--snapshotter", "native", target);

        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains(image.Digest.ToString(), await containerd.CtrCheckedAsync("images", "ls"));
        var audit = await AuditFile.ReadAsync(server);
        Assert.Contains(audit, e => e is { Action: "manifest.push", Who: "alice", Repository: "site/ctr-pushed", Reference: "v2" });
        Assert.Contains(audit, e => e is { Action: "policy.deny", Result: "unauthorized", Repository: "site/ctr-pushed" });
        Assert.DoesNotContain(AlicePassword, server.Log + await AuditFile.ReadTextAsync(server) + containerd.Log);
    }

    [Fact]
    public async Task Skopeo_ExpiredRobot_Refused()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RegistryServer.StartAsync(_auth.Configure(), time: time);
        var robots = server.Services.GetRequiredService<IRobotAccounts>();
        var (_, secret) = await robots.AddAsync("short", [new RobotScope("site/**", ["pull", "push"])], time.GetUtcNow().AddHours(1), default);
        var image = TestImage.Create(layers: 1, seed: 503);
        var layout = _temp.Combine("robot");
        TestImage.WriteOciLayout(layout, "v1", image.Manifest, image.Blobs);

        var before = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"robot$short:{secret}", $"oci:{layout}:v1", $"docker://{server.Host}/site/robot:v1");
        time.Advance(TimeSpan.FromHours(1));
        var after = await Skopeo.RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", $"robot$short:{secret}", $"oci:{layout}:v1", $"docker://{server.Host}/site/robot:v2");

        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.NotEqual(0, after.ExitCode);
        var audit = await AuditFile.ReadAsync(server);
        Assert.Contains(audit, e => e is { Action: "signin", Result: "failed", Who: "robot$short" });
        Assert.DoesNotContain(audit, e => e is { Action: "manifest.push", Reference: "v2" });
    }
}
