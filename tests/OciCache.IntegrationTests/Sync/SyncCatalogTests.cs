using OciCache.IntegrationTests.PullThrough;
using OciCache.Sync;
using Serilog.Events;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace OciCache.IntegrationTests.Sync;

/// <summary>Repository discovery: the catalog followed page by page, a refused catalog, and one that cannot answer.</summary>
public sealed class SyncCatalogTests : IDisposable
{
    private readonly FakeUpstream _hq = FakeUpstream.Start();
    private readonly TestImage _a = TestImage.Create(layers: 1, layerBytes: 1024, seed: 2001);
    private readonly TestImage _b = TestImage.Create(layers: 1, layerBytes: 1024, seed: 2002);
    private readonly TestImage _plain = TestImage.Create(layers: 1, layerBytes: 1024, seed: 2003);

    public SyncCatalogTests()
    {
        foreach (var (repository, image) in new[] { ("warehouse/a", _a), ("warehouse/b", _b), ("tools/plain", _plain) })
        {
            _hq.Image(repository, "1.0", image);
            _hq.Server.Given(Request.Create().WithPath($"/v2/{repository}/tags/list").UsingGet())
                .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                    .WithBody($$"""{"name":"{{repository}}","tags":["1.0"]}"""));
        }
    }

    public void Dispose() => _hq.Dispose();

    [Fact]
    public async Task SyncJob_PagedCatalog_FollowsTheLinkByItsLastOnly()
    {
        _hq.Server.Given(Request.Create().WithPath("/v2/_catalog").WithParam("last", "warehouse/a").UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"repositories":["warehouse/b","zzz/other"]}"""));
        _hq.Server.Given(Request.Create().WithPath("/v2/_catalog").UsingGet()).AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(200)
                .WithHeader("Link", "<https://elsewhere.example/v2/_catalog?n=1000&last=warehouse%2Fa>; rel=\"next\"")
                .WithBody("""{"repositories":["tools/plain","warehouse/a"]}"""));

        var summary = await SyncAsync(["warehouse/*"]);

        Assert.StartsWith("Sync catalog done: 2 images", summary);
        Assert.Equal(1, _hq.Count("GET", $"/v2/warehouse/a/manifests/1.0"));
        Assert.Equal(1, _hq.Count("GET", $"/v2/warehouse/b/manifests/1.0"));
        Assert.Equal(0, _hq.Count("GET", $"/v2/tools/plain/manifests/1.0"));
    }

    [Fact]
    public async Task SyncJob_CatalogRefused_SyncsThePlainNamesAndSaysSo()
    {
        _hq.Override("/v2/_catalog", Response.Create().WithStatusCode(401));

        var summary = await SyncAsync(["warehouse/**", "tools/plain"], log => Assert.Contains(log.Events,
            e => e.Level == LogEventLevel.Warning && e.Message.Contains("refused to list its catalog") && e.Message.Contains("the 1 repositories named")));

        Assert.StartsWith("Sync catalog done: 1 images", summary);
        Assert.EndsWith(", 0 failed", summary[..summary.LastIndexOf(',')]);
        Assert.Equal(1, _hq.Count("GET", "/v2/tools/plain/manifests/1.0"));
    }

    [Fact]
    public async Task SyncJob_CatalogDown_FailsTheRun_ButSyncsThePlainNames()
    {
        _hq.Override("/v2/_catalog", Response.Create().WithStatusCode(503));

        var summary = await SyncAsync(["warehouse/**", "tools/plain"]);

        Assert.StartsWith("Sync catalog done: 1 images", summary);
        Assert.Contains("1 failed", summary);
        Assert.Equal(1, _hq.Count("GET", "/v2/tools/plain/manifests/1.0"));
    }

    private async Task<string> SyncAsync(List<string> repositories, Action<CapturedLog>? check = null)
    {
        await using var cache = await CacheServer.StartAsync("hq", _hq.Url, s =>
        {
            s.UpstreamPolicy.Retries = 0;
            s.Sync.Jobs = [new SyncJob { Name = "catalog", Upstream = "hq", Repositories = repositories }];
        });
        var summary = await cache.Log.WaitForAsync(LogEventLevel.Information, "Sync catalog done");
        check?.Invoke(cache.Log);
        return summary;
    }
}
