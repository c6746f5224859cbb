using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>The contract every <see cref="IPinStore"/> keeps; one subclass per implementation.</summary>
public abstract class PinStoreContract : IDisposable
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);

    protected PinStoreContract()
    {
        Store = Create(Temp.Path);
    }

    protected TempDirectory Temp { get; } = new("pin-store");

    protected IPinStore Store { get; private set; }

    /// <summary>A store over the storage in <paramref name="folder"/>; called again for the same folder by <see cref="Reopen"/>.</summary>
    protected abstract IPinStore Create(string folder);

    /// <summary>A new instance over the same storage, as after a restart.</summary>
    protected void Reopen() => Store = Create(Temp.Path);

    public virtual void Dispose() => Temp.Dispose();

    [Fact]
    public async Task Add_New_TrueAndListedByPatternAsGiven()
    {
        Assert.True(await Store.AddAsync(new RuntimePin("docker.io/library/nginx:1.*", At, "alice"), default));
        Assert.True(await Store.AddAsync(new RuntimePin("docker.io/library/alpine", At.AddMinutes(1), null), default));
        Reopen();

        Assert.Equal(
            [new RuntimePin("docker.io/library/alpine", At.AddMinutes(1), null), new RuntimePin("docker.io/library/nginx:1.*", At, "alice")],
            await Store.ListAsync(default));
    }

    [Fact]
    public async Task Add_PatternThere_FalseAndTheFirstStaysAsItWas()
    {
        await Store.AddAsync(new RuntimePin("site/app", At, "alice"), default);

        Assert.False(await Store.AddAsync(new RuntimePin("site/app", At.AddDays(1), "bob"), default));

        Assert.Equal([new RuntimePin("site/app", At, "alice")], await Store.ListAsync(default));
    }

    [Fact]
    public async Task Remove_ThereThenAgain_TrueThenFalse()
    {
        await Store.AddAsync(new RuntimePin("site/app", At, "alice"), default);
        await Store.AddAsync(new RuntimePin("site/web", At, "alice"), default);

        Assert.True(await Store.RemoveAsync("site/app", default));
        Assert.False(await Store.RemoveAsync("site/app", default));
        Assert.False(await Store.RemoveAsync("site/other", default));
        Assert.Equal(["site/web"], (await Store.ListAsync(default)).Select(p => p.Pattern));
    }
}
