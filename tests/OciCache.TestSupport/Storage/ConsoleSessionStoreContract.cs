using System.Security.Cryptography;
using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>
/// The contract every <see cref="IConsoleSessionStore"/> keeps; one subclass per implementation.
/// <see cref="Store"/> and <see cref="Other"/> are two instances over the same storage: two replicas.
/// </summary>
public abstract class ConsoleSessionStoreContract : IDisposable
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);

    protected ConsoleSessionStoreContract()
    {
        Store = Create();
        Other = Create();
    }

    protected IConsoleSessionStore Store { get; }

    protected IConsoleSessionStore Other { get; }

    /// <summary>An instance over the test's storage; every call shares the same rows (in memory: the same instance).</summary>
    protected abstract IConsoleSessionStore Create();

    public virtual void Dispose()
    {
    }

    [Fact]
    public async Task Find_AddedThroughTheOther_EveryFieldAsGiven()
    {
        var row = Row("alice") with { Groups = ["admins", "devs"], Credential = "fp-1", FromIssuer = true };
        await Other.AddAsync(row, default);

        AssertSame(row, await Store.FindAsync(row.IdHash, default));
        var bob = Row("bob") with { Credential = null };
        AssertSame(bob, await AddAndFindAsync(bob));
        Assert.Null(await Store.FindAsync(SHA256.HashData("unknown"u8), default));
    }

    [Fact]
    public async Task Touch_Later_MovesForwardOnly()
    {
        var row = Row("alice");
        await Store.AddAsync(row, default);

        Assert.True(await Other.TouchAsync(row.IdHash, At.AddMinutes(5), At.AddMinutes(2), default));
        Assert.True(await Store.TouchAsync(row.IdHash, At.AddMinutes(3), At.AddMinutes(1), default)); // a slower replica

        var found = await Store.FindAsync(row.IdHash, default);
        Assert.Equal(At.AddMinutes(5), found!.LastSeen);
        Assert.Equal(At.AddMinutes(2), found.CheckedAt);
        Assert.Equal(At, found.SignedInAt);
    }

    [Fact]
    public async Task Remove_ThroughTheOther_GoneForBoth()
    {
        var row = Row("alice");
        await Store.AddAsync(row, default);

        Assert.True(await Other.RemoveAsync(row.IdHash, default));

        Assert.Null(await Store.FindAsync(row.IdHash, default));
        Assert.False(await Store.RemoveAsync(row.IdHash, default));
        Assert.False(await Store.TouchAsync(row.IdHash, At.AddMinutes(1), At.AddMinutes(1), default));
    }

    [Fact]
    public async Task RemoveAllOf_APerson_TheirRowsOnly()
    {
        var (a, b, c) = (Row("alice"), Row("alice"), Row("bob"));
        foreach (var row in new[] { a, b, c })
        {
            await Store.AddAsync(row, default);
        }

        Assert.Equal(2, await Other.RemoveAllOfAsync("alice", default));

        Assert.Null(await Store.FindAsync(a.IdHash, default));
        Assert.Null(await Store.FindAsync(b.IdHash, default));
        Assert.NotNull(await Store.FindAsync(c.IdHash, default));
        Assert.Equal(1, await Store.CountAsync(default));
    }

    [Fact]
    public async Task RemoveExpired_IdleOrTooOld_OnlyThose()
    {
        var idle = Row("idle") with { LastSeen = At };
        var old = Row("old") with { SignedInAt = At, LastSeen = At.AddHours(2) };
        var live = Row("live") with { SignedInAt = At.AddHours(1), LastSeen = At.AddHours(2) };
        foreach (var row in new[] { idle, old, live })
        {
            await Store.AddAsync(row, default);
        }

        Assert.Equal(2, await Other.RemoveExpiredAsync(lastSeenBy: At.AddMinutes(30), signedInBy: At, default));

        Assert.NotNull(await Store.FindAsync(live.IdHash, default));
        Assert.Equal(1, await Store.CountAsync(default));
    }

    [Fact]
    public async Task RemoveLeastRecent_Two_TheTwoSeenLongestAgo()
    {
        var rows = Enumerable.Range(0, 4).Select(i => Row($"user{i}") with { LastSeen = At.AddMinutes(10 - i) }).ToList();
        foreach (var row in rows)
        {
            await Store.AddAsync(row, default);
        }

        Assert.Equal(2, await Other.RemoveLeastRecentAsync(2, default));

        Assert.NotNull(await Store.FindAsync(rows[0].IdHash, default));
        Assert.NotNull(await Store.FindAsync(rows[1].IdHash, default));
        Assert.Null(await Store.FindAsync(rows[2].IdHash, default));
        Assert.Null(await Store.FindAsync(rows[3].IdHash, default));
    }

    private async Task<ConsoleSessionRecord?> AddAndFindAsync(ConsoleSessionRecord row)
    {
        await Store.AddAsync(row, default);
        return await Other.FindAsync(row.IdHash, default);
    }

    private static ConsoleSessionRecord Row(string user) => new(
        RandomNumberGenerator.GetBytes(32), user, [], "fingerprint", false, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)), At, At, At);

    private static void AssertSame(ConsoleSessionRecord expected, ConsoleSessionRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.IdHash, actual.IdHash);
        Assert.Equal(expected.Groups, actual.Groups);
        Assert.Equal(expected, actual with { IdHash = expected.IdHash, Groups = expected.Groups });
    }
}
