using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>The contract every <see cref="IRobotStore"/> keeps; one subclass per implementation.</summary>
public abstract class RobotStoreContract : IDisposable
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);

    protected RobotStoreContract()
    {
        Store = Create(Temp.Path);
    }

    protected TempDirectory Temp { get; } = new("robot-store");

    protected IRobotStore Store { get; private set; }

    /// <summary>A store over the storage in <paramref name="folder"/>; called again for the same folder by <see cref="Reopen"/>.</summary>
    protected abstract IRobotStore Create(string folder);

    /// <summary>A new instance over the same storage, as after a restart.</summary>
    protected void Reopen() => Store = Create(Temp.Path);

    public virtual void Dispose() => Temp.Dispose();

    [Fact]
    public async Task TryAdd_NewName_FindReturnsTheRowAsGiven()
    {
        var hash = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        Assert.True(await Store.TryAddAsync(new RobotRecord("ci", hash, ["repository:site/*:pull", "repository:docker.io/**:pull"], Created, Created.AddDays(1)), default));
        Assert.True(await Store.TryAddAsync(new RobotRecord("nodes", hash, ["repository:site/*:pull"], Created, null), default));
        Reopen();

        var ci = await Store.FindAsync("ci", default);
        var nodes = await Store.FindAsync("nodes", default);

        Assert.Equal(("ci", Created, Created.AddDays(1)), (ci!.Name, ci.CreatedAt, ci.ExpiresAt));
        Assert.Equal(hash, ci.SecretHash);
        Assert.Equal(["repository:site/*:pull", "repository:docker.io/**:pull"], ci.Scopes);
        Assert.Null(nodes!.ExpiresAt);
        Assert.Null(await Store.FindAsync("other", default));
    }

    [Fact]
    public async Task TryAdd_TakenName_FalseAndTheFirstRowStays()
    {
        await Store.TryAddAsync(new RobotRecord("ci", [1], ["repository:a:pull"], Created, null), default);

        Assert.False(await Store.TryAddAsync(new RobotRecord("ci", [2], ["repository:b:pull"], Created.AddDays(1), null), default));

        var row = await Store.FindAsync("ci", default);
        Assert.Equal([(byte)1], row!.SecretHash);
        Assert.Equal(("repository:a:pull", Created), (Assert.Single(row.Scopes), row.CreatedAt));
    }

    [Fact]
    public async Task List_EveryRowByName()
    {
        foreach (var name in new[] { "web", "ci", "build-2", "build-10" })
        {
            await Store.TryAddAsync(new RobotRecord(name, [1], ["repository:a:pull"], Created, null), default);
        }

        Assert.Equal(["build-10", "build-2", "ci", "web"], (await Store.ListAsync(default)).Select(r => r.Name));
    }

    [Fact]
    public async Task Remove_ExistingThenAgain_TrueThenFalse()
    {
        await Store.TryAddAsync(new RobotRecord("ci", [1], ["repository:a:pull"], Created, null), default);

        Assert.True(await Store.RemoveAsync("ci", default));
        Assert.False(await Store.RemoveAsync("ci", default));
        Assert.Null(await Store.FindAsync("ci", default));
        Assert.Empty(await Store.ListAsync(default));
        Assert.True(await Store.TryAddAsync(new RobotRecord("ci", [2], ["repository:a:pull"], Created, null), default));
    }
}
