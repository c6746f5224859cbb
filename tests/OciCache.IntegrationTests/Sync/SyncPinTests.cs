using Microsoft.Extensions.DependencyInjection;
using OciCache.IntegrationTests.PullThrough;
using OciCache.PullThrough;
using OciCache.Storage;
using OciCache.Sync;
using Serilog.Events;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace OciCache.IntegrationTests.Sync;

/// <summary><c>Pin: true</c> keeps what a job synced when the budget forces eviction; without it, the older sync goes first.</summary>
public sealed class SyncPinTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SyncJob_OverBudget_KeepsItsImagesOnlyWhenPinned(bool pin)
    {
        using var hq = FakeUpstream.Start();
        var synced = TestImage.Create(layers: 1, layerBytes: 1 << 20, seed: 2101);
        var pulled = TestImage.Create(layers: 1, layerBytes: 1 << 20, seed: 2102);
        hq.Image("warehouse/keep", "1.0", synced);
        hq.Image("other/pulled", "1.0", pulled);
        hq.Server.Given(Request.Create().WithPath("/v2/warehouse/keep/tags/list").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"name":"warehouse/keep","tags":["1.0"]}"""));
        var size = synced.Blobs.Append(synced.Manifest).Sum(b => b.Size);
        var budget = (long)(1.5 * size); // one image fits, two do not
        await using var cache = await CacheServer.StartAsync("hq", hq.Url, s =>
        {
            s.Storage.MaxCacheBytes = budget;
            s.Storage.EvictionInterval = TimeSpan.FromMilliseconds(100);
            s.Storage.AccessFlushInterval = TimeSpan.FromMilliseconds(50);
            s.Sync.Jobs = [new SyncJob { Name = "keep", Upstream = "hq", Repositories = ["warehouse/keep"], Pin = pin }];
        });

        // The sync's last access is older than the pull's, which starts once the run has ended.
        await cache.Log.WaitForAsync(LogEventLevel.Information, "Sync keep done: 1 images");
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "hq/other/pulled", "1.0", pulled, "");

        // The evictor drops a blob's rows before its file, so the index can be under budget a moment before the
        // file is gone: wait for the file. Evicting the other image instead leaves this one, and the wait fails.
        var index = cache.Services.GetRequiredService<IEvictionIndex>();
        var fills = cache.Services.GetRequiredService<FillCoordinator>();
        var layout = new DataLayout(cache.DataPath);
        bool Cached(TestImage image) => image.Blobs.All(b => File.Exists(layout.BlobPath(b.Digest)));
        var (kept, evicted) = pin ? (synced, pulled) : (pulled, synced);
        await Eventually.TrueAsync(async () => fills.Active == 0 && await index.GetCachedBytesAsync() <= budget && !Cached(evicted),
            $"eviction brings the cache under its budget by removing the {(pin ? "pulled" : "synced")} image");
        Assert.True(Cached(kept), $"the {(pin ? "synced (pinned)" : "pulled (newer)")} image stays");
    }
}
