using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>
/// The contract every <see cref="ISignInFailureStore"/> keeps; one subclass per implementation.
/// <see cref="Store"/> and <see cref="Other"/> are two instances over the same storage: two replicas.
/// </summary>
public abstract class SignInFailureStoreContract : IDisposable
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    protected SignInFailureStoreContract()
    {
        Store = Create();
        Other = Create();
    }

    protected ISignInFailureStore Store { get; }

    protected ISignInFailureStore Other { get; }

    /// <summary>An instance over the test's storage; every call shares the same rows (in memory: the same instance).</summary>
    protected abstract ISignInFailureStore Create();

    public virtual void Dispose()
    {
    }

    [Fact]
    public async Task Find_FailuresThroughBoth_CountedTogetherWithTheOldest()
    {
        await Store.AddAsync("10.0.0.1", At, At - Window, 100, default);
        await Other.AddAsync("10.0.0.1", At.AddSeconds(10), At.AddSeconds(10) - Window, 100, default);
        await Other.AddAsync("10.0.0.2", At.AddSeconds(20), At.AddSeconds(20) - Window, 100, default);

        Assert.Equal(new SignInFailures(2, At), await Store.FindAsync("10.0.0.1", At.AddSeconds(30) - Window, default));
        Assert.Equal(new SignInFailures(1, At.AddSeconds(20)), await Other.FindAsync("10.0.0.2", At.AddSeconds(30) - Window, default));
        Assert.Equal(0, (await Store.FindAsync("10.0.0.3", At - Window, default)).Count);
    }

    [Fact]
    public async Task Find_AfterTheWindow_OnlyTheNewerOnes()
    {
        await Store.AddAsync("10.0.0.1", At, At - Window, 100, default);
        await Other.AddAsync("10.0.0.1", At.AddSeconds(30), At.AddSeconds(30) - Window, 100, default);

        Assert.Equal(new SignInFailures(1, At.AddSeconds(30)), await Store.FindAsync("10.0.0.1", At, default)); // the first is exactly a minute old
        Assert.Equal(0, (await Other.FindAsync("10.0.0.1", At.AddSeconds(30), default)).Count);
    }

    [Fact]
    public async Task Add_ManySources_BoundedAndRecentOnesKept()
    {
        for (var i = 0; i < 3; i++)
        {
            await (i % 2 == 0 ? Store : Other).AddAsync($"old-{i}", At, At - Window, 3, default);
        }

        var later = At.AddMinutes(2);
        await Store.AddAsync("recent", later, later - Window, 3, default);
        await Other.AddAsync("new", later, later - Window, 3, default);

        Assert.Equal(1, (await Store.FindAsync("recent", At, default)).Count);
        Assert.Equal(1, (await Store.FindAsync("new", At, default)).Count);
        Assert.Equal(0, (await Other.FindAsync("old-0", At - Window, default)).Count);
    }

    [Fact]
    public async Task Add_PastTheBoundWithAllRecent_ForgetsTheOthers()
    {
        await Store.AddAsync("a", At, At - Window, 2, default);
        await Other.AddAsync("b", At, At - Window, 2, default);

        await Store.AddAsync("c", At.AddSeconds(1), At.AddSeconds(1) - Window, 2, default);

        Assert.Equal(0, (await Other.FindAsync("a", At - Window, default)).Count);
        Assert.Equal(0, (await Other.FindAsync("b", At - Window, default)).Count);
        Assert.Equal(1, (await Other.FindAsync("c", At - Window, default)).Count);
    }
}
