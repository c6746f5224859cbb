using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OciCache.Lifecycle;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.Tests;

public sealed class OciCacheCoreServicesTests
{
    [Fact]
    public void AddOciCacheCore_ResolvesEveryService_AndKeepsWhatWasRegisteredBefore()
    {
        using var data = new TempDirectory("core-services");
        var time = new StoppedClock();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(time)
            .AddOciCacheCore(new OciCacheCoreOptions { Data = data.Path });

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Same(time, provider.GetRequiredService<TimeProvider>());
        Assert.IsType<PullThroughContentReader>(provider.GetRequiredService<IContentReader>());
        var cached = Assert.IsType<CachedMetadataIndex>(provider.GetRequiredService<IBlobIndex>());
        Assert.Same(cached, provider.GetRequiredService<IManifestIndex>());
        Assert.Same(cached, provider.GetRequiredService<IEvictionIndex>());
        Assert.Same(cached, provider.GetRequiredService<IRepositoryCatalog>());
        Assert.Same(provider.GetRequiredService<SqliteMetadataIndex>(), provider.GetRequiredService<IUploadIndex>());
        Assert.NotNull(provider.GetRequiredService<Prefetcher>());
        Assert.NotNull(provider.GetRequiredService<OciCache.Sync.SyncRunner>());
        Assert.Equal(["StartupCleanup", "LifecycleService", "TrafficHistoryService", "SyncService"], provider.GetServices<IHostedService>().Select(s => s.GetType().Name));
        Assert.True(Directory.Exists(Path.Combine(data.Path, "blobs")));
    }

    [Fact]
    public void AddOciCacheCore_CreatesNothingUntilResolved()
    {
        using var data = new TempDirectory("core-services");
        var folder = Path.Combine(data.Path, "not-yet");

        new ServiceCollection().AddOciCacheCore(new OciCacheCoreOptions { Data = folder });

        Assert.False(Directory.Exists(folder));
    }

    private sealed class StoppedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch;
    }
}
