using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OciCache.Auth;
using OciCache.Storage;

namespace OciCache.Tests.Auth;

/// <summary>Personal API keys on a real SQLite file.</summary>
public sealed class SqliteApiKeysTests : IDisposable
{
    private static readonly RobotScope Pull = RobotScope.TryParse("repository:site/**:pull", out var s, out _) ? s : null!;

    private readonly TempDirectory _temp = new("apikeys");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly SqliteDatabase _database;
    private readonly ApiKeys _keys;

    public SqliteApiKeysTests()
    {
        _database = new SqliteDatabase(_temp.Combine("ocicache.db"));
        _keys = new ApiKeys(new SqliteApiKeyStore(_database), _time);
    }

    [Fact]
    public async Task Verify_TheKeyOfItsUser_TheKeyWithScopesAndGroups()
    {
        var (created, secret) = await Create("alice", groups: ["devs"]);

        var key = await _keys.VerifyAsync("alice", secret, default);

        Assert.Equal((created.Id, created.User, created.Name, created.CreatedAt, created.ExpiresAt), (key!.Id, key.User, key.Name, key.CreatedAt, key.ExpiresAt));
        Assert.Equal([Pull], key.Scopes);
        Assert.Equal(["devs"], key.Groups);
        Assert.Equal(key.Id, ApiKeySecret.IdOf(secret));
        Assert.Equal(("alice", key.Id), (key.ToIdentity().Name, key.ToIdentity().ApiKeyId));
    }

    [Fact]
    public async Task Verify_AnotherUsersNameOrAChangedKey_Null()
    {
        var (_, secret) = await Create("alice");

        Assert.Null(await _keys.VerifyAsync("bob", secret, default));
        Assert.Null(await _keys.VerifyAsync("alice", secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'), default));
        Assert.Null(await _keys.VerifyAsync("alice", "ocikey_0000000000000000_" + new string('A', 43), default));
    }

    [Fact]
    public async Task Verify_AtItsExpiry_Null()
    {
        var (key, secret) = await Create("alice", TimeSpan.FromDays(1));
        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await _keys.VerifyAsync("alice", secret, default));

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Null(await _keys.VerifyAsync("alice", secret, default));
        Assert.Null(await _keys.FindAsync(key.Id, default));
        Assert.Single(await _keys.ListAsync("alice", default)); // listed still, as expired
    }

    [Fact]
    public async Task Revoke_OwnKey_GoneAtOnce()
    {
        var (key, secret) = await Create("alice");

        Assert.False(await _keys.RevokeAsync("bob", key.Id, default));
        Assert.True(await _keys.RevokeAsync("alice", key.Id, default));

        Assert.Null(await _keys.VerifyAsync("alice", secret, default));
        Assert.Null(await _keys.FindAsync(key.Id, default));
        Assert.Empty(await _keys.ListAsync("alice", default));
    }

    [Fact]
    public async Task Create_StoresTheHashNeverTheKey()
    {
        var (_, secret) = await Create("alice");

        using var connection = new SqliteConnection($"Data Source={_temp.Combine("ocicache.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM api_keys";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        for (var i = 0; i < reader.FieldCount; i++)
        {
            Assert.DoesNotContain(secret[7..], reader.GetValue(i) is byte[] bytes ? Convert.ToBase64String(bytes) : reader.GetValue(i).ToString());
        }
    }

    [Fact]
    public async Task List_OnlyTheUsersKeys()
    {
        await Create("alice");
        await Create("bob");

        Assert.All(await _keys.ListAsync("alice", default), k => Assert.Equal("alice", k.User));
    }

    [Fact]
    public async Task Verify_AnIssuerPersonsKey_WithTheNameWithoutItsPrefixToo()
    {
        var (_, issuers) = await _keys.CreateAsync("oidc:alice", "laptop", [Pull], [], _time.GetUtcNow().AddDays(1), default, fromIssuer: true);
        var (_, locals) = await Create("oidc:bob"); // not the issuer's: only its own name

        var key = await _keys.VerifyAsync("alice", issuers, default);

        Assert.Equal(("oidc:alice", true), (key!.User, key.FromIssuer));
        Assert.Equal("oidc:alice", key.ToIdentity().Name);
        Assert.NotNull(await _keys.VerifyAsync("oidc:alice", issuers, default));
        Assert.Null(await _keys.VerifyAsync("bob", locals, default));
        Assert.Null(await _keys.VerifyAsync("carol", issuers, default));
    }

    [Fact]
    public async Task RevokeAny_AnyonesKey_GoneFromItsPersonsList()
    {
        var (alices, _) = await Create("alice");
        var (bobs, _) = await Create("bob");
        await Create("bob");

        Assert.Equal(3, (await _keys.ListAllAsync(default)).Count);
        Assert.Equal(alices.Id, (await _keys.RevokeAnyAsync(alices.Id, default))?.Id);
        Assert.Null(await _keys.RevokeAnyAsync(alices.Id, default));
        Assert.Empty(await _keys.ListAsync("alice", default));
        Assert.Equal(2, await _keys.RevokeAllAsync("bob", default));
        Assert.Null(await _keys.FindAsync(bobs.Id, default));
        Assert.Empty(await _keys.ListAllAsync(default));
    }

    [Theory]
    [InlineData("ocikey_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "0123456789abcdef")]
    [InlineData("ocikey_0123456789ABCDEF_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", null)]
    [InlineData("ocirobot_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", null)]
    [InlineData("a password", null)]
    public void IdOf_Text_TheIdOnlyForAKeysForm(string text, string? id)
    {
        Assert.Equal(id, ApiKeySecret.IdOf(text));
    }

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private ValueTask<(ApiKey Key, string Secret)> Create(string user, TimeSpan? lifetime = null, IReadOnlyList<string>? groups = null) =>
        _keys.CreateAsync(user, "laptop", [Pull], groups ?? [], _time.GetUtcNow() + (lifetime ?? TimeSpan.FromDays(30)), default);
}
