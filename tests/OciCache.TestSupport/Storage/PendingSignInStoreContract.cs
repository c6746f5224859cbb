using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>
/// The contract every <see cref="IPendingSignInStore"/> keeps; one subclass per implementation.
/// <see cref="Store"/> and <see cref="Other"/> are two instances over the same storage: two replicas.
/// </summary>
public abstract class PendingSignInStoreContract : IDisposable
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);

    private static readonly PendingSignInBounds Roomy = new(100, 1000, At.AddMinutes(-10));

    private int _next;

    protected PendingSignInStoreContract()
    {
        Store = Create();
        Other = Create();
    }

    protected IPendingSignInStore Store { get; }

    protected IPendingSignInStore Other { get; }

    /// <summary>An instance over the test's storage; every call shares the same rows (in memory: the same instance).</summary>
    protected abstract IPendingSignInStore Create();

    public virtual void Dispose()
    {
    }

    [Fact]
    public async Task Take_AddedThroughTheOther_AsGivenThenGoneForBoth()
    {
        var row = Row("192.0.2.1");
        await Other.AddAsync(row, Roomy, default);

        Assert.Equal(row, await Store.TakeAsync(row.State, default));

        Assert.Null(await Other.TakeAsync(row.State, default));
        Assert.Null(await Store.TakeAsync(row.State, default));
        Assert.Null(await Store.TakeAsync("made-up", default));
    }

    [Fact]
    public async Task Take_BothAtOnce_OneGetsIt()
    {
        var rows = Enumerable.Range(0, 20).Select(_ => Row("192.0.2.1")).ToList();
        foreach (var row in rows)
        {
            await Store.AddAsync(row, Roomy, default);
        }

        foreach (var row in rows)
        {
            var taken = await Task.WhenAll(Task.Run(() => Store.TakeAsync(row.State, default)), Task.Run(() => Other.TakeAsync(row.State, default)));
            Assert.Single(taken, t => t is not null);
        }
    }

    [Fact]
    public async Task Add_SameState_Replaces()
    {
        var row = Row("192.0.2.1");
        await Store.AddAsync(row, Roomy, default);

        await Other.AddAsync(row with { Nonce = "another-nonce" }, Roomy, default);

        Assert.Equal(row with { Nonce = "another-nonce" }, await Store.TakeAsync(row.State, default));
        Assert.Null(await Store.TakeAsync(row.State, default));
    }

    [Fact]
    public async Task Add_PastTheSourceBound_ThatSourcesOldestGoes()
    {
        var bounds = Roomy with { PerSource = 3 };
        var other = Row("192.0.2.7");
        await Store.AddAsync(other, bounds, default);
        var flood = new List<PendingSignInRecord>();
        for (var i = 0; i < 5; i++)
        {
            flood.Add(Row("198.51.100.66"));
            await (i % 2 == 0 ? Store : Other).AddAsync(flood[^1], bounds, default);
        }

        Assert.Equal(other, await Store.TakeAsync(other.State, default));
        Assert.Null(await Store.TakeAsync(flood[0].State, default));
        Assert.Null(await Store.TakeAsync(flood[1].State, default));
        foreach (var kept in flood[2..])
        {
            Assert.Equal(kept, await Other.TakeAsync(kept.State, default));
        }
    }

    [Fact]
    public async Task Add_Full_ExpiredGoFirstThenTheBiggestHoldersOldest()
    {
        var bounds = new PendingSignInBounds(PerSource: 10, Overall: 4, ExpiredBy: At);
        var expired = Row("192.0.2.9", At.AddMinutes(-1));
        var lone = Row("192.0.2.7");
        var many = new[] { Row("10.0.0.1"), Row("10.0.0.1") };
        foreach (var row in new[] { expired, lone, many[0], many[1] })
        {
            await Store.AddAsync(row, bounds, default);
        }

        var first = Row("10.0.0.2");
        await Other.AddAsync(first, bounds, default); // the expired one makes room
        var second = Row("10.0.0.3");
        await Other.AddAsync(second, bounds, default); // then the oldest of 10.0.0.1, which holds the most

        Assert.Null(await Store.TakeAsync(expired.State, default));
        Assert.Null(await Store.TakeAsync(many[0].State, default));
        foreach (var kept in new[] { lone, many[1], first, second })
        {
            Assert.Equal(kept, await Store.TakeAsync(kept.State, default));
        }
    }

    private PendingSignInRecord Row(string source, DateTimeOffset? startedAt = null)
    {
        var n = Interlocked.Increment(ref _next);
        return new PendingSignInRecord($"state-{n}-{Guid.NewGuid():N}", $"nonce-{n}", $"verifier-{n}", $"/ui/{n}", startedAt ?? At.AddSeconds(n), source);
    }
}
