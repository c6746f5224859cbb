using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.Access;
using OciCache.Auth;
using OciCache.IntegrationTests.WebConsole;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// A flood of anonymous denied requests does not rotate the audit history away: repeated denials of a
/// source and repository are one line plus one line with a count per interval, so an earlier
/// <c>manifest.push</c> stays readable through <c>/api/audit</c>, the console's reading API.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class AuditFloodTests : IAsyncLifetime
{
    private const string AdminPassword = "admin-pw-7707";
    private const int Flood = 4000;

    private readonly AuthSetup _auth = new(("admin", AdminPassword));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private RegistryServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RegistryServer.StartAsync(_auth.Configure(a =>
        {
            a.Groups["admins"] = ["admin"];
            a.AdminGroup = "admins";
            a.Anonymous = new() { ["**"] = ["none"] };
            a.Policies = [new PolicyRule { Repositories = ["**"], Groups = ["admins"], Actions = ["pull", "push"] }];
            a.AuditLog = new AuditLogOptions { MaxBytes = 64 * 1024, Files = 1 }; // 128 KiB of history in all
        }), time: _time);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _auth.Dispose();
    }

    [Fact]
    public async Task DeniedFlood_AfterAPush_ThePushStaysInTheAuditHistory()
    {
        using var admin = AuthSetup.BasicClient(_server, "admin", AdminPassword);
        var image = TestImage.Create(layers: 1, seed: 7707);
        await admin.PushImageAsync("team/app", "v1", image);

        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Flood)
            {
                using var response = await _server.Client.GetAsync($"/v2/secret/app{i % 400}/manifests/v1");
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }
        }));
        _time.Advance(DenialAggregator.Interval);
        await ((JsonLinesAuditLog)_server.Services.GetRequiredService<IAuditLog>()).FlushAsync();

        using (var pushes = await ConsoleApiTests.GetJsonAsync(admin, "/api/audit?action=manifest.push&limit=1000"))
        {
            Assert.Contains(pushes.RootElement.GetProperty("events").EnumerateArray(),
                e => e.GetProperty("repository").GetString() == "team/app" && e.GetProperty("digest").GetString() == image.Digest.ToString());
        }

        using var denials = await ConsoleApiTests.GetJsonAsync(admin, "/api/audit?action=policy.deny&limit=1000");
        var events = denials.RootElement.GetProperty("events").EnumerateArray().ToList();
        Assert.True(events.Count <= (2 * DenialAggregator.MaxKeysPerInterval) + 2, $"{events.Count} denial lines");
        Assert.Equal(Flood, events.Sum(e => e.TryGetProperty("count", out var count) ? count.GetInt32() : 1));
    }
}
