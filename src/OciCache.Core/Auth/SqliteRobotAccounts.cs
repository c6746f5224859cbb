using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using OciCache.Storage;

namespace OciCache.Auth;

/// <summary>
/// <see cref="IRobotAccounts"/> in the metadata database (table <c>robots</c>, schema version 4). Writes go
/// through the database's one writer thread; reads open their own connection, as the metadata index does.
/// </summary>
/// <remarks>
/// A secret is <see cref="RobotSecret"/>: 32 random bytes, so it is stored as its plain SHA-256. A slow
/// password hash (bcrypt, Argon2) exists to make guessing a low-entropy password from its hash expensive;
/// 256 random bits cannot be guessed however fast the hash is, and a fast hash keeps every sign-in cheap.
/// </remarks>
internal sealed class SqliteRobotAccounts(SqliteDatabase database, TimeProvider time) : IRobotAccounts
{
    /// <summary>Compared against when the name is unknown, so that answer costs what a wrong secret does.</summary>
    private static readonly byte[] NoAccountHash = new byte[SHA256.HashSizeInBytes];

    public ValueTask<RobotAccount?> VerifyAsync(string name, string secret, CancellationToken cancellationToken)
    {
        var row = RobotName.IsValid(name) ? ReadRow(name) : null;
        var matches = CryptographicOperations.FixedTimeEquals(Hash(secret), row?.SecretHash ?? NoAccountHash);
        var account = matches && row is not null && !IsExpired(row.Account) ? row.Account : null;
        return ValueTask.FromResult(account);
    }

    public async ValueTask<(RobotAccount Account, string Secret)> AddAsync(
        string name, IReadOnlyList<RobotScope> scopes, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        if (!RobotName.IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a robot account name ({RobotName.Rule}).", nameof(name));
        }

        if (scopes.Count == 0)
        {
            throw new ArgumentException("A robot account needs at least one scope.", nameof(scopes));
        }

        var secret = RobotSecret.Create();
        var created = FromMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        var account = new RobotAccount(name, [.. scopes], created, expiresAt is { } e ? FromMilliseconds(e.ToUnixTimeMilliseconds()) : null);
        var inserted = await database.Writer.RunAsync(() =>
        {
            using var connection = database.Open();
            using var command = Command(connection,
                "INSERT INTO robots (name, secret_hash, scopes, created_at, expires_at) VALUES ($name, $hash, $scopes, $created, $expires) " +
                "ON CONFLICT (name) DO NOTHING",
                ("$name", name), ("$hash", Hash(secret)), ("$scopes", ScopesJson(scopes)),
                ("$created", created.ToUnixTimeMilliseconds()), ("$expires", account.ExpiresAt?.ToUnixTimeMilliseconds()));
            return command.ExecuteNonQuery();
        });
        return inserted == 1 ? (account, secret) : throw new RobotAccountExistsException(name);
    }

    public ValueTask<IReadOnlyList<RobotAccount>> ListAsync(CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var command = Command(connection, "SELECT name, secret_hash, scopes, created_at, expires_at FROM robots ORDER BY name");
        using var reader = command.ExecuteReader();
        var accounts = new List<RobotAccount>();
        while (reader.Read())
        {
            accounts.Add(ToRow(reader).Account);
        }

        return ValueTask.FromResult<IReadOnlyList<RobotAccount>>(accounts);
    }

    public ValueTask<RobotAccount?> FindAsync(string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(RobotName.IsValid(name) && ReadRow(name) is { } row && !IsExpired(row.Account) ? row.Account : null);

    public async ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken) =>
        await database.Writer.RunAsync(() =>
        {
            using var connection = database.Open();
            using var command = Command(connection, "DELETE FROM robots WHERE name = $name", ("$name", name));
            return command.ExecuteNonQuery();
        }) == 1;

    /// <summary>Expired at <see cref="RobotAccount.ExpiresAt"/> itself, by the injected clock.</summary>
    private bool IsExpired(RobotAccount account) => account.ExpiresAt is { } expires && time.GetUtcNow() >= expires;

    private Row? ReadRow(string name)
    {
        using var connection = database.Open();
        using var command = Command(connection, "SELECT name, secret_hash, scopes, created_at, expires_at FROM robots WHERE name = $name", ("$name", name));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ToRow(reader) : null;
    }

    private static Row ToRow(SqliteDataReader reader)
    {
        var account = new RobotAccount(
            reader.GetString(0),
            ParseScopes(reader.GetString(2)),
            FromMilliseconds(reader.GetInt64(3)),
            reader.IsDBNull(4) ? null : FromMilliseconds(reader.GetInt64(4)));
        var hash = (byte[])reader.GetValue(1);
        return new Row(account with { Credential = Convert.ToHexStringLower(SHA256.HashData(hash))[..32] }, hash);
    }

    /// <summary>SHA-256 of the secret's UTF-8 text, whatever the text is (a malformed secret costs the same).</summary>
    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string ScopesJson(IReadOnlyList<RobotScope> scopes) =>
        JsonSerializer.Serialize(scopes.Select(s => s.ToString()).ToArray(), StringArrayContext.Default.StringArray);

    /// <summary>A stored scope that no longer parses is left out: the account gets less, never more.</summary>
    private static List<RobotScope> ParseScopes(string json)
    {
        var scopes = new List<RobotScope>();
        foreach (var text in JsonSerializer.Deserialize(json, StringArrayContext.Default.StringArray) ?? [])
        {
            if (RobotScope.TryParse(text, out var scope, out _))
            {
                scopes.Add(scope);
            }
        }

        return scopes;
    }

    private static DateTimeOffset FromMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private sealed record Row(RobotAccount Account, byte[] SecretHash);
}
