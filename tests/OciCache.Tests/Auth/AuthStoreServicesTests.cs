using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;
using OciCache.Upstream;

namespace OciCache.Tests.Auth;

public sealed class AuthStoreServicesTests
{
    [Fact]
    public async Task AddOciCacheAuthStores_ResolvesStoresInTheDataFolder_WithTheRegisteredClock()
    {
        using var data = new TempDirectory("auth-services");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(time)
            .AddOciCacheCore(new OciCacheCoreOptions { Data = data.Path })
            .AddOciCacheAuthStores(new AuditLogOptions());

        await using (var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }))
        {
            var robots = provider.GetRequiredService<IRobotAccounts>();
            RobotScope.TryParse("repository:site/*:pull", out var scope, out _);
            var (account, _) = await robots.AddAsync("ci", [scope!], null, default);
            Assert.Equal(time.GetUtcNow(), account.CreatedAt);
            provider.GetRequiredService<IAuditLog>().Write(new AuditEvent("robot.add", "ok"));
        } // disposal drains the audit log

        Assert.Contains("\"time\":\"2026-12-01T00:00:00Z\"", await File.ReadAllTextAsync(Path.Combine(data.Path, "audit.log")));
    }

    [Fact]
    public async Task AddOciCacheAuthStores_AuditLogPathGiven_WritesThere_AndKeepsWhatWasRegisteredBefore()
    {
        using var data = new TempDirectory("auth-services");
        var path = Path.Combine(data.Path, "elsewhere", "audit.jsonl");
        var mine = new NoAudit();
        var services = new ServiceCollection()
            .AddLogging()
            .AddOciCacheCore(new OciCacheCoreOptions { Data = data.Path })
            .AddOciCacheAuthStores(new AuditLogOptions { Path = path });

        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IAuditLog>().Write(new AuditEvent("signin", "ok"));
        }

        Assert.Single(await File.ReadAllLinesAsync(path));
        Assert.False(File.Exists(Path.Combine(data.Path, "audit.log")));

        var first = new ServiceCollection().AddSingleton<IAuditLog>(mine).AddLogging()
            .AddOciCacheCore(new OciCacheCoreOptions { Data = data.Path })
            .AddOciCacheAuthStores(new AuditLogOptions());
        await using var second = first.BuildServiceProvider();
        Assert.Same(mine, second.GetRequiredService<IAuditLog>());
    }

    private sealed class NoAudit : IAuditLog
    {
        public void Write(AuditEvent entry)
        {
        }
    }
}
