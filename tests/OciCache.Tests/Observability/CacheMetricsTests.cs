using OciCache.Observability;

namespace OciCache.Tests.Observability;

public sealed class CacheMetricsTests
{
    [Fact]
    public void TallyCounterAdd_TagsInAnyOrder_CountOnceInLabelOrder()
    {
        using var metrics = new CacheMetrics();

        metrics.Hits.Add(1, new("upstream", "docker.io"), new("kind", "blob"));
        metrics.Hits.Add(2, new("kind", "blob"), new("upstream", "docker.io"));

        var (labels, count) = Assert.Single(metrics.Hits.Snapshot());
        Assert.Equal(["blob", "docker.io"], labels);
        Assert.Equal(3, count);
    }

    [Fact]
    public void TallyCounterAdd_TagOutsideItsLabels_IsNotPublishedButStillCounts()
    {
        using var metrics = new CacheMetrics();

        metrics.StaleServed.Add(1, new("upstream", "ghcr.io"), new("repository", "a"));
        metrics.StaleServed.Add(1, new("upstream", "ghcr.io"), new("repository", "b"));

        var (labels, count) = Assert.Single(metrics.StaleServed.Snapshot());
        Assert.Equal(["ghcr.io"], labels);
        Assert.Equal(2, count);
    }
}
