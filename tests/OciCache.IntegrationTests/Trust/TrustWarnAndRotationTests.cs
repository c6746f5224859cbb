using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.IntegrationTests.Auth;
using OciCache.Trust;
using Serilog.Events;

namespace OciCache.IntegrationTests.Trust;

/// <summary>A warning rule serves and reports; a key moved into a rule's directory is used without a restart.</summary>
public sealed class TrustWarnAndRotationTests : IAsyncLifetime
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
    public async Task WarnMode_ServesTheUnsignedImage_WritesTheAuditLine_LogsAndCounts()
    {
        await using var server = await RegistryServer.StartAsync(settings =>
        {
            _auth.Configure(a =>
            {
                a.Groups = new() { ["admins"] = ["olga"] };
                a.AdminGroup = "admins";
                a.Anonymous = new() { ["edge/**"] = ["pull"] };
            })(settings);
            _trust.Rule("edge/**", TrustMode.Warn, name: "watch")(settings);
        });
        var image = TestImage.Create(layers: 1, seed: 2330);
        using (var admin = AuthSetup.BasicClient(server, "olga", "olga-pw"))
        {
            await admin.PushImageAsync("edge/app", "v1", image);
        }

        using var served = await server.Client.GetAsync("/v2/edge/app/manifests/v1");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(image.Manifest.Bytes, await served.Content.ReadAsByteArrayAsync());

        var audit = await AuditFile.ReadAsync(server);
        var warned = Assert.Single(audit, e => e.Action == "trust.warn");
        Assert.Equal("edge/app", warned.Repository);
        Assert.Equal(image.Digest.ToString(), warned.Digest);
        Assert.Equal("rule watch: unsigned: no signature found", warned.Detail);
        Assert.Equal("anonymous", warned.Who);
        Assert.DoesNotContain(audit, e => e.Action == "trust.deny");
        Assert.Contains($"{image.Digest} of edge/app although it is not signed by a key of rule watch (warn): no signature found",
            await server.Log.WaitForAsync(LogEventLevel.Warning, "Served "));
        Assert.Equal(1, await TrustSetup.MetricAsync(server.Client, "ocicache_trust_verdicts_total{result=\"unsigned\"}"));
        Assert.Equal(1, await TrustSetup.MetricAsync(server.Client, "ocicache_trust_failures_total{mode=\"warn\"}"));
    }

    [Fact]
    public async Task KeyRotation_ANewKeyInTheRuleDirectory_TakesEffectAfterTheReload_WithoutARestart()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RegistryServer.StartAsync(_trust.Rule("rot/**"), time: time);
        var image = TestImage.Create(layers: 1, seed: 2331);
        await server.Client.PushImageAsync("rot/app", "v1", image);
        var next = await _trust.NewKeyAsync("ci-2026");
        await TrustSetup.SignAsync(server.Client, "rot/app", image.Digest, next);

        using (var before = await server.Client.GetAsync("/v2/rot/app/manifests/v1"))
        {
            await RegistryHttp.AssertOciErrorAsync(before, HttpStatusCode.Forbidden, "DENIED");
            Assert.StartsWith($"{image.Digest} in rot/app is not signed by a key of rule \"signed\" (enforce): ", await TrustSetup.ErrorMessageAsync(before));
        }

        File.Copy(next.PublicKeyPath, Path.Combine(_trust.KeyDirectory, "ci-2026.pub"));
        time.Advance(server.Services.GetRequiredService<TrustOptions>().ReloadInterval);
        Assert.Contains("ci-2026", await server.Log.WaitForAsync(LogEventLevel.Information, "trust keys reloaded for rule signed"));

        using var after = await server.Client.GetAsync("/v2/rot/app/manifests/v1");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
