using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Auth;
using OciCache.IntegrationTests.Auth;

namespace OciCache.IntegrationTests.Trust;

/// <summary>
/// Push, sign, deploy with access control on: the CI robot (pull, push) pushes an image, reads it back to sign
/// it (HEAD and GET are allowed to a caller that may push), and pushes the signature; the node's robot (pull
/// only) is refused the unsigned image, and served it once the signature is there, without a restart.
/// </summary>
public sealed class TrustPushSignDeployTests : IAsyncLifetime
{
    private readonly AuthSetup _auth = new(("olga", "olga-pw"));
    private TrustSetup _trust = null!;

    public async Task InitializeAsync() => _trust = await TrustSetup.CreateAsync();

    public Task DisposeAsync()
    {
        _trust.Dispose();
        _auth.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task CiRobotPushesReadsAndSigns_NodeRobotRefusedBefore_ServedAfter_WithoutRestart()
    {
        await using var server = await RegistryServer.StartAsync(settings =>
        {
            _auth.Configure(a => a.Anonymous = new() { ["**"] = ["none"] })(settings); // everyone signs in
            _trust.Rule("site/**")(settings);
        });
        var robots = server.Services.GetRequiredService<IRobotAccounts>();
        var (_, ciSecret) = await robots.AddAsync("ci", [new RobotScope("site/**", ["pull", "push"])], null, default);
        var (_, nodeSecret) = await robots.AddAsync("node", [new RobotScope("site/**", ["pull"])], null, default);
        var image = TestImage.Create(layers: 1, seed: 2340);
        using var ci = AuthSetup.BasicClient(server, "robot$ci", ciSecret);

        await ci.PushImageAsync("site/app", "v1", image);
        using (var head = await ci.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v2/site/app/manifests/v1")))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        using (var get = await ci.GetAsync($"/v2/site/app/manifests/{image.Digest}"))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }

        await using var containerd = await Containerd.StartAsync();
        var url = $"http://{server.Host}";
        containerd.WriteHostsToml(server.Host, url, (url, "\"pull\", \"resolve\""));
        string[] pull = ["images", "pull", "--user", $"robot$node:{nodeSecret}", "--hosts-dir", containerd.HostsDir, "--snapshotter", "native", $"{server.Host}/site/app:v1"];
        var refused = await containerd.CtrAsync(pull);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("is not signed by a key of rule", refused.ToString());

        await TrustSetup.SignAsync(ci, "site/app", image.Digest, _trust.Ci);
        await containerd.CtrCheckedAsync(pull);
        Assert.Contains(image.Digest.ToString(), await containerd.CtrCheckedAsync("images", "ls"));

        var audit = await AuditFile.ReadAsync(server);
        Assert.Contains(audit, e => e is { Action: "trust.deny", Who: "robot$node", Repository: "site/app" });
        Assert.DoesNotContain(audit, e => e is { Action: "trust.deny", Who: "robot$ci" });
        Assert.DoesNotContain(nodeSecret, containerd.Log + server.Log);
    }
}
