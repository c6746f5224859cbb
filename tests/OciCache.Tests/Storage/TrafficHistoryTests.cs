using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OciCache.Observability;
using OciCache.Storage;

namespace OciCache.Tests.Storage;

/// <summary><see cref="TrafficHistory"/> over a real SQLite file, on a fake clock.</summary>
public sealed class TrafficHistoryTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 30, TimeSpan.Zero);

    private readonly TempDirectory _temp = new("traffic-history");
    private readonly FakeTimeProvider _time = new(Start);
    private readonly CacheMetrics _metrics = new();

    public void Dispose()
    {
        _metrics.Dispose();
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Record_TwoMinutes_WritesTheDeltasOfEachMinuteAndSumsThemInTheHour()
    {
        using var database = new SqliteDatabase(_temp.Combine("meta.db"));
        var history = new TrafficHistory(database, _metrics, _time);

        Count("docker.io", hits: 0, misses: 3, served: 0, fetched: 3000);
        await history.RecordAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        Count("docker.io", hits: 3, misses: 0, served: 3000, fetched: 0);
        Count("ghcr.io", hits: 1, misses: 1, served: 10, fetched: 20);
        await history.RecordAsync();

        Assert.Equal(
            [
                new TrafficBucket(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), "docker.io", 0, 3, 0, 3000),
                new TrafficBucket(new DateTimeOffset(2026, 12, 1, 10, 1, 0, TimeSpan.Zero), "docker.io", 3, 0, 3000, 0),
                new TrafficBucket(new DateTimeOffset(2026, 12, 1, 10, 1, 0, TimeSpan.Zero), "ghcr.io", 1, 1, 10, 20),
            ],
            history.Read(TrafficResolution.Minute));
        Assert.Equal(
            [
                new TrafficBucket(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), "docker.io", 3, 3, 3000, 3000),
                new TrafficBucket(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), "ghcr.io", 1, 1, 10, 20),
            ],
            history.Read(TrafficResolution.Hour));
    }

    [Fact]
    public async Task ReadLive_AddsTheCountsSinceTheLastRecordToTheCurrentBucket_AndWritesNothing()
    {
        using var database = new SqliteDatabase(_temp.Combine("meta.db"));
        var history = new TrafficHistory(database, _metrics, _time);
        Count("docker.io", hits: 2, misses: 1, served: 200, fetched: 100);
        await history.RecordAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        Count("docker.io", hits: 3, misses: 0, served: 300, fetched: 0);
        Count("ghcr.io", hits: 0, misses: 1, served: 0, fetched: 50);

        var minute = new DateTimeOffset(2026, 12, 1, 10, 1, 0, TimeSpan.Zero);
        Assert.Equal(
            [
                new TrafficBucket(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), "docker.io", 2, 1, 200, 100),
                new TrafficBucket(minute, "docker.io", 3, 0, 300, 0),
                new TrafficBucket(minute, "ghcr.io", 0, 1, 0, 50),
            ],
            await history.ReadLiveAsync(TrafficResolution.Minute));
        Assert.Equal(
            [
                new TrafficBucket(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), "docker.io", 5, 1, 500, 100),
                new TrafficBucket(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), "ghcr.io", 0, 1, 0, 50),
            ],
            await history.ReadLiveAsync(TrafficResolution.Hour));
        Assert.Single(history.Read(TrafficResolution.Minute)); // nothing written: the live counts stay in memory

        Assert.Equal(2, await history.RecordAsync()); // and are recorded once, by the next record
        Assert.Equal(await history.ReadLiveAsync(TrafficResolution.Minute), history.Read(TrafficResolution.Minute));
    }

    [Fact]
    public async Task Record_ManyAtOnce_CountEveryHitOnce()
    {
        using var database = new SqliteDatabase(_temp.Combine("meta.db"));
        var history = new TrafficHistory(database, _metrics, _time);
        Count("docker.io", hits: 5, misses: 0, served: 0, fetched: 0);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(history.RecordAsync)));

        Assert.Equal(5, Assert.Single(history.Read(TrafficResolution.Minute)).Hits);
    }

    [Fact]
    public async Task PullCounter_Flush_AddsTheCountsToTheRowsOfEarlierFlushes()
    {
        using var database = new SqliteDatabase(_temp.Combine("meta.db"));
        var pulls = new OciCache.Lifecycle.PullCounter(new SqlitePullCounts(database), _time);
        var digest = OciCache.Oci.Digest.ComputeSha256([1]);
        pulls.Count("site/app", digest);
        pulls.Count("site/app", digest);
        Assert.Equal(1, await pulls.FlushAsync());
        _time.Advance(TimeSpan.FromMinutes(5));
        pulls.Count("site/app", digest);
        Assert.Equal(1, await pulls.FlushAsync());
        Assert.Equal(0, await pulls.FlushAsync());

        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count, last_pulled_at FROM pulls WHERE repository = 'site/app'";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(3, reader.GetInt64(0));
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), reader.GetInt64(1));
    }

    [Fact]
    public async Task Record_NothingCountedSinceTheLastRecord_WritesNoRow()
    {
        using var database = new SqliteDatabase(_temp.Combine("meta.db"));
        var history = new TrafficHistory(database, _metrics, _time);
        Count("docker.io", hits: 1, misses: 0, served: 5, fetched: 0);
        Assert.Equal(1, await history.RecordAsync());

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await history.RecordAsync());

        Assert.Single(history.Read(TrafficResolution.Minute));
    }

    [Fact]
    public async Task Record_AfterTheWindows_PrunesMinutesPast24HoursAndHoursPast7Days()
    {
        using var database = new SqliteDatabase(_temp.Combine("meta.db"));
        var history = new TrafficHistory(database, _metrics, _time);
        Count("docker.io", hits: 1, misses: 0, served: 0, fetched: 0);
        await history.RecordAsync();

        _time.Advance(TimeSpan.FromHours(25));
        Count("docker.io", hits: 2, misses: 0, served: 0, fetched: 0);
        await history.RecordAsync();

        Assert.Equal([2L], history.Read(TrafficResolution.Minute).Select(b => b.Hits));
        Assert.Equal(1, RowCount(database, TrafficResolution.Minute)); // the old minute row is gone, the new one is there
        Assert.Equal([1L, 2L], history.Read(TrafficResolution.Hour).Select(b => b.Hits));

        _time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromHours(1));
        Count("docker.io", hits: 4, misses: 0, served: 0, fetched: 0);
        await history.RecordAsync();

        Assert.Equal([4L], history.Read(TrafficResolution.Hour).Select(b => b.Hits));
        Assert.Equal(1, RowCount(database, TrafficResolution.Hour));
        Assert.Equal(1, RowCount(database, TrafficResolution.Minute));
    }

    [Fact]
    public async Task Read_AfterTheDatabaseIsReopened_ReturnsWhatWasRecordedBefore()
    {
        var path = _temp.Combine("meta.db");
        using (var database = new SqliteDatabase(path))
        {
            Count("docker.io", hits: 7, misses: 2, served: 700, fetched: 200);
            await new TrafficHistory(database, _metrics, _time).RecordAsync();
        }

        SqliteConnection.ClearAllPools();
        using var reopened = new SqliteDatabase(path);
        using var fresh = new CacheMetrics();

        var bucket = Assert.Single(new TrafficHistory(reopened, fresh, _time).Read(TrafficResolution.Hour));
        Assert.Equal(new TrafficBucket(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), "docker.io", 7, 2, 700, 200), bucket);
    }

    [Theory]
    [InlineData("2026-12-01T10:59:59.999Z", TrafficResolution.Minute, "2026-12-01T10:59:00Z")]
    [InlineData("2026-12-01T10:59:59.999Z", TrafficResolution.Hour, "2026-12-01T10:00:00Z")]
    [InlineData("2026-12-01T11:00:00Z", TrafficResolution.Hour, "2026-12-01T11:00:00Z")]
    public void BucketStart_AnInstant_IsTheStartOfItsMinuteOrHour(string instant, TrafficResolution resolution, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected), TrafficHistory.BucketStart(resolution, DateTimeOffset.Parse(instant)));

    private void Count(string upstream, long hits, long misses, long served, long fetched)
    {
        KeyValuePair<string, object?> name = new("upstream", upstream);
        _metrics.Hits.Add(hits, name, new("kind", "blob"));
        _metrics.Misses.Add(misses, name, new("kind", "manifest"));
        _metrics.ServedBytes.Add(served, name);
        _metrics.UpstreamBytes.Add(fetched, name);
    }

    private static long RowCount(SqliteDatabase database, TrafficResolution resolution)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM traffic_history WHERE resolution = $r";
        command.Parameters.AddWithValue("$r", (int)resolution);
        return (long)command.ExecuteScalar()!;
    }
}
