using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OciCache.Auth;
using OciCache.Storage;
using OciCache.Storage.Postgres;

namespace OciCache.Tests.Storage;

/// <summary>
/// Which forms of the cluster state <c>AddOciCacheCore</c> and <c>AddOciCacheAuthStores</c> register: the
/// single-node ones by default, the shared ones with <c>Metadata:Backend=postgres</c>. Nothing here connects
/// to a database (a data source connects on first use).
/// </summary>
public sealed class ClusterStateServicesTests
{
    [Fact]
    public async Task AddOciCacheCore_Sqlite_KeepsTheSingleNodeForms()
    {
        using var data = new TempDirectory("cluster-services");
        await using var provider = Build(new OciCacheCoreOptions { Data = data.Path });

        Assert.True(Assert.IsType<SingleNodeLeadership>(provider.GetRequiredService<ILeadership>()).IsLeader);
        Assert.IsType<FileTokenKeySource>(provider.GetRequiredService<ITokenKeySource>());
        Assert.IsType<JsonLinesAuditLog>(provider.GetRequiredService<IAuditLog>());
        Assert.Null(provider.GetService<IAuditHistory>());
        Assert.DoesNotContain(provider.GetServices<IHostedService>(), s => s is PostgresLeadership);
    }

    [Fact]
    public async Task AddOciCacheCore_Postgres_RegistersTheSharedForms_LeadershipStartingAfterTheMigration()
    {
        using var data = new TempDirectory("cluster-services");
        var options = new OciCacheCoreOptions { Data = data.Path };
        options.Metadata.Backend = MetadataOptions.PostgresBackend;
        options.Metadata.Postgres.ConnectionString = "Host=127.0.0.1;Port=1;Database=none;Username=none";
        await using var provider = Build(options);

        var leadership = Assert.IsType<PostgresLeadership>(provider.GetRequiredService<ILeadership>());
        Assert.False(leadership.IsLeader); // until its first round took the lease
        Assert.Equal(PostgresLeadership.DefaultLeaseTimeout, leadership.LeaseTimeout);
        var hosted = provider.GetServices<IHostedService>().ToList();
        Assert.Same(leadership, Assert.Single(hosted, s => s is PostgresLeadership));
        Assert.True(hosted.FindIndex(s => s is PostgresMigrator) < hosted.IndexOf(leadership));
        Assert.IsType<SharedTokenKeySource>(provider.GetRequiredService<ITokenKeySource>());
        Assert.IsType<AuditFanOut>(provider.GetRequiredService<IAuditLog>());
        Assert.IsType<StoredAuditLog>(provider.GetRequiredService<IAuditHistory>());
    }

    private static ServiceProvider Build(OciCacheCoreOptions options) => new ServiceCollection()
        .AddLogging()
        .AddOciCacheCore(options)
        .AddOciCacheAuthStores(new AuditLogOptions())
        .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
}
