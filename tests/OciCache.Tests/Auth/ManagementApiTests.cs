using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Auth;
using OciCache.Upstream;

namespace OciCache.Tests.Auth;

/// <summary>The offline switch of the management API: read by anyone, turned by the admin group only, at once, audited.</summary>
public sealed class ManagementApiTests : IAsyncLifetime
{
    private readonly AuthSetup _auth = new(("olga", "olga-pw-5521"), ("bob", "bob-pw-7730"));
    private readonly CapturingAuditLog _audit = new();
    private RegistryServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RegistryServer.StartAsync(settings => _auth.Configure(a =>
        {
            a.Groups = new() { ["ops"] = ["olga"] };
            a.AdminGroup = "ops";
        })(settings), services: s => s.AddSingleton<IAuditLog>(_audit));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _auth.Dispose();
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task PutOffline_ByAnAdmin_TakesEffectAtOnce_AndIsAudited_OthersAreRefused()
    {
        Assert.Equal("""{"offline":false}""", await _server.Client.GetStringAsync("/api/offline"));

        using (var anonymous = await _server.Client.PutAsync("/api/offline", Body("""{"offline":true}""")))
        {
            await RegistryHttp.AssertOciErrorAsync(anonymous, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }

        using var bob = AuthSetup.BasicClient(_server, "bob", "bob-pw-7730");
        using (var reader = await bob.PutAsync("/api/offline", Body("""{"offline":true}""")))
        {
            await RegistryHttp.AssertOciErrorAsync(reader, HttpStatusCode.Forbidden, "DENIED");
        }

        Assert.False(_server.Services.GetRequiredService<OfflineSwitch>().IsOn);

        using var olga = AuthSetup.BasicClient(_server, "olga", "olga-pw-5521");
        using (var on = await olga.PutAsync("/api/offline", Body("""{"offline":true}""")))
        {
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
            Assert.Equal("""{"offline":true}""", await on.Content.ReadAsStringAsync());
        }

        Assert.True(_server.Services.GetRequiredService<OfflineSwitch>().IsOn);
        Assert.Contains("offline", await _server.Client.GetStringAsync("/readyz"));
        var set = Assert.Single(_audit.Events, e => e.Action == "offline.set");
        Assert.Equal(("ok", "olga", "offline"), (set.Result, set.Who, set.Detail));

        using (var off = await olga.PutAsync("/api/offline", Body("""{"offline":false}""")))
        {
            Assert.Equal("""{"offline":false}""", await off.Content.ReadAsStringAsync());
        }

        Assert.False(_server.Services.GetRequiredService<OfflineSwitch>().IsOn);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"offline":"yes"}""")]
    [InlineData("""[true]""")]
    public async Task PutOffline_WithABadBody_Answers400_AndChangesNothing(string body)
    {
        using var olga = AuthSetup.BasicClient(_server, "olga", "olga-pw-5521");
        using var response = await olga.PutAsync("/api/offline", Body(body));
        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
        Assert.False(_server.Services.GetRequiredService<OfflineSwitch>().IsOn);
    }
}
