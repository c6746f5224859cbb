using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>The contract every <see cref="IApiKeyStore"/> keeps; one subclass per implementation.</summary>
public abstract class ApiKeyStoreContract : IDisposable
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);

    protected ApiKeyStoreContract()
    {
        Store = Create(Temp.Path);
    }

    protected TempDirectory Temp { get; } = new("apikey-store");

    protected IApiKeyStore Store { get; private set; }

    /// <summary>A store over the storage in <paramref name="folder"/>; called again for the same folder by <see cref="Reopen"/>.</summary>
    protected abstract IApiKeyStore Create(string folder);

    /// <summary>A new instance over the same storage, as after a restart.</summary>
    protected void Reopen() => Store = Create(Temp.Path);

    public virtual void Dispose() => Temp.Dispose();

    private static ApiKeyRecord Key(string id, string user, int minutes = 0, bool fromIssuer = false) =>
        new(id, user, "laptop", ["repository:site/**:pull"], ["devs", "ops"], Created.AddMinutes(minutes), Created.AddDays(30), fromIssuer,
            [.. Enumerable.Range(0, 32).Select(i => (byte)(i + id.Length))]);

    [Fact]
    public async Task Add_FindReturnsTheRowAsGiven()
    {
        var local = Key("0123456789abcdef", "alice");
        await Store.AddAsync(local, default);
        await Store.AddAsync(Key("fedcba9876543210", "oidc:bob", fromIssuer: true), default);
        Reopen();

        var found = await Store.FindAsync(local.Id, default);

        Assert.Equal((local.Id, local.User, local.Name, local.CreatedAt, local.ExpiresAt, false),
            (found!.Id, found.User, found.Name, found.CreatedAt, found.ExpiresAt, found.FromIssuer));
        Assert.Equal(local.Scopes, found.Scopes);
        Assert.Equal(local.Groups, found.Groups);
        Assert.Equal(local.SecretHash, found.SecretHash);
        Assert.True((await Store.FindAsync("fedcba9876543210", default))!.FromIssuer);
        Assert.Null(await Store.FindAsync("0000000000000000", default));
    }

    [Fact]
    public async Task Add_TakenId_FailsAndTheFirstRowStays()
    {
        await Store.AddAsync(Key("0123456789abcdef", "alice"), default);

        await Assert.ThrowsAnyAsync<Exception>(() => Store.AddAsync(Key("0123456789abcdef", "bob"), default));

        Assert.Equal("alice", (await Store.FindAsync("0123456789abcdef", default))!.User);
    }

    [Fact]
    public async Task List_TheUsersRowsNewestFirst_ListAllByUserThenNewestFirst()
    {
        await Store.AddAsync(Key("000000000000000a", "bob", minutes: 1), default);
        await Store.AddAsync(Key("000000000000000b", "alice", minutes: 1), default);
        await Store.AddAsync(Key("000000000000000c", "alice", minutes: 2), default);
        await Store.AddAsync(Key("000000000000000d", "alice", minutes: 1), default);

        Assert.Equal(["000000000000000c", "000000000000000b", "000000000000000d"], (await Store.ListAsync("alice", default)).Select(k => k.Id));
        Assert.Equal(["000000000000000c", "000000000000000b", "000000000000000d", "000000000000000a"], (await Store.ListAllAsync(default)).Select(k => k.Id));
        Assert.Empty(await Store.ListAsync("carol", default));
    }

    [Fact]
    public async Task Remove_OnlyTheUsersOwnRow()
    {
        await Store.AddAsync(Key("0123456789abcdef", "alice"), default);

        Assert.False(await Store.RemoveAsync("bob", "0123456789abcdef", default));
        Assert.True(await Store.RemoveAsync("alice", "0123456789abcdef", default));
        Assert.False(await Store.RemoveAsync("alice", "0123456789abcdef", default));
        Assert.Null(await Store.FindAsync("0123456789abcdef", default));
    }

    [Fact]
    public async Task RemoveAll_EveryRowOfTheUser_AndHowManyThereWere()
    {
        await Store.AddAsync(Key("000000000000000a", "alice"), default);
        await Store.AddAsync(Key("000000000000000b", "bob"), default);
        await Store.AddAsync(Key("000000000000000c", "bob"), default);

        Assert.Equal(2, await Store.RemoveAllAsync("bob", default));
        Assert.Equal(0, await Store.RemoveAllAsync("bob", default));
        Assert.Equal(["000000000000000a"], (await Store.ListAllAsync(default)).Select(k => k.Id));
    }
}
