using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OciCache.Lifecycle;
using OciCache.Storage;

namespace OciCache.Tests.Lifecycle;

/// <summary>Runtime pins over a real SQLite pin store: the snapshot eviction reads, and what survives a restart.</summary>
public sealed class RuntimePinsTests : IDisposable
{
    private readonly TempDirectory _temp = new("runtime-pins");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly SqliteDatabase _database;

    public RuntimePinsTests()
    {
        _database = new SqliteDatabase(_temp.Combine("ocicache.db"));
    }

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task IsPinned_AfterAddAndAfterRemove_FollowsTheChange()
    {
        var pins = new RuntimePins(new SqlitePinStore(_database), _time);
        Assert.False(await pins.IsPinnedAsync("docker.io/library/nginx", ["1.27"]));

        Assert.True(await pins.AddAsync("docker.io/library/nginx:1.*", "alice"));
        Assert.True(await pins.IsPinnedAsync("docker.io/library/nginx", ["1.27"]));
        Assert.False(await pins.IsPinnedAsync("docker.io/library/nginx", ["2.0"]));

        Assert.True(await pins.RemoveAsync("docker.io/library/nginx:1.*"));
        Assert.False(await pins.RemoveAsync("docker.io/library/nginx:1.*"));
        Assert.False(await pins.IsPinnedAsync("docker.io/library/nginx", ["1.27"]));
        Assert.Empty(await pins.ListAsync());
    }

    [Fact]
    public async Task Add_PatternThere_FalseAndTheFirstStays()
    {
        var pins = new RuntimePins(new SqlitePinStore(_database), _time);
        await pins.AddAsync("site/app", "alice");
        _time.Advance(TimeSpan.FromHours(1));

        Assert.False(await pins.AddAsync("site/app", "bob"));

        Assert.Equal([new RuntimePin("site/app", _time.GetUtcNow().AddHours(-1), "alice")], await pins.ListAsync());
    }

    [Fact]
    public async Task List_AfterARestart_ThePinsStoredBefore()
    {
        await new RuntimePins(new SqlitePinStore(_database), _time).AddAsync("site/app", null);

        var restarted = new RuntimePins(new SqlitePinStore(_database), _time);

        Assert.Equal([new RuntimePin("site/app", _time.GetUtcNow(), null)], await restarted.ListAsync());
        Assert.True(await restarted.IsPinnedAsync("site/app", []));
    }
}
