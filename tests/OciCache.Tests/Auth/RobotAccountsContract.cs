using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;

namespace OciCache.Tests.Auth;

/// <summary>The contract every <see cref="IRobotAccounts"/> keeps; one subclass per implementation.</summary>
public abstract class RobotAccountsContract : IDisposable
{
    protected RobotAccountsContract()
    {
        Accounts = Create(Temp.Path, Time);
    }

    protected TempDirectory Temp { get; } = new("robots");

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    protected IRobotAccounts Accounts { get; private set; }

    protected static IReadOnlyList<RobotScope> Scopes(params string[] texts) =>
        [.. texts.Select(t => RobotScope.TryParse(t, out var scope, out var error) ? scope : throw new ArgumentException(error))];

    protected abstract IRobotAccounts Create(string folder, TimeProvider time);

    /// <summary>A new instance over the same storage, as after a restart.</summary>
    protected void Reopen() => Accounts = Create(Temp.Path, Time);

    public virtual void Dispose() => Temp.Dispose();

    [Fact]
    public async Task Add_NewName_ReturnsAccountAndAPrefixedSecretOf32RandomBytes()
    {
        var (account, secret) = await Accounts.AddAsync("ci", Scopes("repository:site/*:pull,push"), null, default);

        Assert.Equal("ci", account.Name);
        Assert.Equal("robot$ci", account.UserName);
        Assert.Equal(Scopes("repository:site/*:pull,push"), account.Scopes);
        Assert.Equal(Time.GetUtcNow(), account.CreatedAt);
        Assert.Null(account.ExpiresAt);
        Assert.StartsWith(RobotSecret.Prefix, secret);
        Assert.True(RobotSecret.LooksLikeSecret(secret), secret);
        Assert.Equal(32, Convert.FromBase64String(Base64Padded(secret[RobotSecret.Prefix.Length..])).Length);
        var (_, other) = await Accounts.AddAsync("ci2", Scopes("repository:site/*:pull"), null, default);
        Assert.NotEqual(secret, other);
    }

    [Fact]
    public async Task Verify_RightSecret_ReturnsTheAccount()
    {
        var (_, secret) = await Accounts.AddAsync("ci", Scopes("repository:site/*:pull,push", "repository:docker.io/**:pull"), null, default);

        var account = await Accounts.VerifyAsync("ci", secret, default);

        Assert.NotNull(account);
        Assert.Equal("ci", account.Name);
        Assert.Equal(Scopes("repository:site/*:pull,push", "repository:docker.io/**:pull"), account.Scopes);
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData("")]
    [InlineData("ocirobot_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Verify_WrongSecret_ReturnsNull(string secret)
    {
        await Accounts.AddAsync("ci", Scopes("repository:site/*:pull"), null, default);

        Assert.Null(await Accounts.VerifyAsync("ci", secret, default));
    }

    [Fact]
    public async Task Verify_SecretOfAnotherAccountOrAlteredSecret_ReturnsNull()
    {
        var (_, first) = await Accounts.AddAsync("first", Scopes("repository:site/*:pull"), null, default);
        await Accounts.AddAsync("second", Scopes("repository:site/*:pull"), null, default);

        Assert.Null(await Accounts.VerifyAsync("second", first, default));
        Assert.Null(await Accounts.VerifyAsync("first", first + "\n", default));
        Assert.Null(await Accounts.VerifyAsync("first", first[..^1], default));
        Assert.NotNull(await Accounts.VerifyAsync("first", first, default));
    }

    [Theory]
    [InlineData("nobody")]
    [InlineData("robot$ci")]
    [InlineData("CI")]
    [InlineData("ci\n")]
    [InlineData("")]
    public async Task Verify_UnknownOrMalformedName_ReturnsNull(string name)
    {
        var (_, secret) = await Accounts.AddAsync("ci", Scopes("repository:site/*:pull"), null, default);

        Assert.Null(await Accounts.VerifyAsync(name, secret, default));
    }

    [Fact]
    public async Task Verify_AtAndAfterExpiry_ReturnsNull()
    {
        var expires = Time.GetUtcNow().AddDays(90);
        var (account, secret) = await Accounts.AddAsync("ci", Scopes("repository:site/*:pull"), expires, default);
        Assert.Equal(expires, account.ExpiresAt);

        Time.Advance(TimeSpan.FromDays(90) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await Accounts.VerifyAsync("ci", secret, default));

        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await Accounts.VerifyAsync("ci", secret, default));

        var listed = Assert.Single(await Accounts.ListAsync(default)); // still listed, so it can be seen and removed
        Assert.Equal(expires, listed.ExpiresAt);
    }

    [Fact]
    public async Task Add_ExistingName_ThrowsAndKeepsTheFirstSecret()
    {
        var (_, secret) = await Accounts.AddAsync("ci", Scopes("repository:site/*:pull"), null, default);

        var thrown = await Assert.ThrowsAsync<RobotAccountExistsException>(async () =>
            await Accounts.AddAsync("ci", Scopes("repository:**:*"), null, default));

        Assert.IsAssignableFrom<InvalidOperationException>(thrown);
        var kept = await Accounts.VerifyAsync("ci", secret, default);
        Assert.Equal(Scopes("repository:site/*:pull"), kept!.Scopes);
    }

    [Theory]
    [InlineData("Ci")]
    [InlineData("robot$ci")]
    [InlineData("-ci")]
    [InlineData("ci\n")]
    [InlineData("")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234_")]
    public async Task Add_InvalidName_ThrowsArgumentException(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await Accounts.AddAsync(name, Scopes("repository:site/*:pull"), null, default));

        Assert.Empty(await Accounts.ListAsync(default));
    }

    [Fact]
    public async Task Add_NameOf64Characters_IsAccepted()
    {
        var name = "a" + new string('b', 63);

        var (account, secret) = await Accounts.AddAsync(name, Scopes("repository:site/*:pull"), null, default);

        Assert.NotNull(await Accounts.VerifyAsync(name, secret, default));
        Assert.Equal(name, account.Name);
    }

    [Fact]
    public async Task Add_NoScopes_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await Accounts.AddAsync("ci", [], null, default));
    }

    [Fact]
    public async Task List_SeveralAccounts_GivesThemByNameWithTheirTimes()
    {
        var expires = Time.GetUtcNow().AddHours(12);
        await Accounts.AddAsync("web", Scopes("repository:site/web:pull"), expires, default);
        Time.Advance(TimeSpan.FromMinutes(1));
        await Accounts.AddAsync("ci", Scopes("repository:site/*:pull,push"), null, default);

        var listed = await Accounts.ListAsync(default);

        Assert.Equal(["ci", "web"], listed.Select(a => a.Name));
        Assert.Equal(Time.GetUtcNow(), listed[0].CreatedAt);
        Assert.Null(listed[0].ExpiresAt);
        Assert.Equal(expires, listed[1].ExpiresAt);
        Assert.Equal(Scopes("repository:site/web:pull"), listed[1].Scopes);
    }

    [Fact]
    public async Task Remove_ExistingAccount_ReturnsTrueAndItsSecretStopsWorking()
    {
        var (_, secret) = await Accounts.AddAsync("ci", Scopes("repository:site/*:pull"), null, default);

        Assert.True(await Accounts.RemoveAsync("ci", default));

        Assert.Null(await Accounts.VerifyAsync("ci", secret, default));
        Assert.Empty(await Accounts.ListAsync(default));
        Assert.False(await Accounts.RemoveAsync("ci", default));
    }

    [Fact]
    public async Task Remove_UnknownAccount_ReturnsFalseAndKeepsOthers()
    {
        await Accounts.AddAsync("ci", Scopes("repository:site/*:pull"), null, default);

        Assert.False(await Accounts.RemoveAsync("other", default));

        Assert.Single(await Accounts.ListAsync(default));
    }

    [Fact]
    public async Task Accounts_AfterReopen_AreKeptWithTheirSecrets()
    {
        var expires = Time.GetUtcNow().AddDays(1);
        var (_, secret) = await Accounts.AddAsync("ci", Scopes("repository:site/*:pull,push"), expires, default);

        Reopen();

        var account = await Accounts.VerifyAsync("ci", secret, default);
        Assert.NotNull(account);
        Assert.Equal(expires, account.ExpiresAt);
        Assert.Equal(Scopes("repository:site/*:pull,push"), account.Scopes);
    }

    private static string Base64Padded(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text + new string('=', (4 - (text.Length % 4)) % 4);
    }
}
