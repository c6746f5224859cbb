using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using OciCache.Storage;

namespace OciCache.Auth;

/// <summary>
/// <see cref="IApiKeys"/> in the metadata database (table <c>api_keys</c>, <see cref="Schema.ApiKeys"/>). Writes
/// go through the database's one writer thread; reads open their own connection. Only the SHA-256 of a key's
/// text is stored, compared in fixed time (against zeros when no row has the id: the same work).
/// </summary>
internal sealed class SqliteApiKeys(SqliteDatabase database, TimeProvider time) : IApiKeys
{
    private const string Columns = "id, user, name, scopes, groups, created_at, expires_at, origin";

    private const string IssuerOrigin = "oidc";

    private static readonly byte[] NoKeyHash = new byte[SHA256.HashSizeInBytes];

    public ValueTask<ApiKey?> VerifyAsync(string user, string secret, CancellationToken cancellationToken)
    {
        var row = ApiKeySecret.IdOf(secret) is { } id ? Read(id) : null;
        var matches = CryptographicOperations.FixedTimeEquals(Hash(secret), row?.Hash ?? NoKeyHash);
        return ValueTask.FromResult(matches && row is not null && row.Key.IsOf(user) && Live(row.Key) ? row.Key : null);
    }

    public ValueTask<ApiKey?> FindAsync(string id, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Read(id) is { } row && Live(row.Key) ? row.Key : null);

    public async ValueTask<(ApiKey Key, string Secret)> CreateAsync(
        string user, string name, IReadOnlyList<RobotScope> scopes, IReadOnlyList<string> groups, DateTimeOffset expiresAt,
        CancellationToken cancellationToken, bool fromIssuer = false)
    {
        if (scopes.Count == 0)
        {
            throw new ArgumentException("An API key needs at least one scope.", nameof(scopes));
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("An API key needs a name.", nameof(name));
        }

        var (id, secret) = ApiKeySecret.Create();
        var key = new ApiKey(id, user, name, [.. scopes], [.. groups],
            Milliseconds(time.GetUtcNow()), Milliseconds(expiresAt)) { FromIssuer = fromIssuer };
        await database.Writer.RunAsync(() =>
        {
            using var connection = database.Open();
            using var command = Command(connection,
                $"INSERT INTO api_keys ({Columns}, secret_hash) VALUES ($id, $user, $name, $scopes, $groups, $created, $expires, $origin, $hash)",
                ("$id", id), ("$user", user), ("$name", name), ("$scopes", Json(scopes.Select(s => s.ToString()))),
                ("$groups", Json(groups)), ("$created", key.CreatedAt.ToUnixTimeMilliseconds()),
                ("$expires", key.ExpiresAt.ToUnixTimeMilliseconds()), ("$origin", fromIssuer ? IssuerOrigin : "local"), ("$hash", Hash(secret)));
            return command.ExecuteNonQuery();
        });
        return (key, secret);
    }

    public ValueTask<IReadOnlyList<ApiKey>> ListAsync(string user, CancellationToken cancellationToken) =>
        ValueTask.FromResult(List($"SELECT {Columns}, secret_hash FROM api_keys WHERE user = $user ORDER BY created_at DESC, id", ("$user", user)));

    public ValueTask<IReadOnlyList<ApiKey>> ListAllAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(List($"SELECT {Columns}, secret_hash FROM api_keys ORDER BY user, created_at DESC, id"));

    public async ValueTask<ApiKey?> RevokeAnyAsync(string id, CancellationToken cancellationToken)
    {
        var row = Read(id);
        return row is not null && await RevokeAsync(row.Key.User, id, cancellationToken) ? row.Key : null;
    }

    public async ValueTask<int> RevokeAllAsync(string user, CancellationToken cancellationToken) =>
        await database.Writer.RunAsync(() =>
        {
            using var connection = database.Open();
            using var command = Command(connection, "DELETE FROM api_keys WHERE user = $user", ("$user", user));
            return command.ExecuteNonQuery();
        });

    public async ValueTask<bool> RevokeAsync(string user, string id, CancellationToken cancellationToken) =>
        await database.Writer.RunAsync(() =>
        {
            using var connection = database.Open();
            using var command = Command(connection, "DELETE FROM api_keys WHERE id = $id AND user = $user", ("$id", id), ("$user", user));
            return command.ExecuteNonQuery();
        }) == 1;

    /// <summary>Expired at <see cref="ApiKey.ExpiresAt"/> itself, by the injected clock.</summary>
    private bool Live(ApiKey key) => time.GetUtcNow() < key.ExpiresAt;

    private Row? Read(string id)
    {
        using var connection = database.Open();
        using var command = Command(connection, $"SELECT {Columns}, secret_hash FROM api_keys WHERE id = $id", ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ToRow(reader) : null;
    }

    private IReadOnlyList<ApiKey> List(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = database.Open();
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var keys = new List<ApiKey>();
        while (reader.Read())
        {
            keys.Add(ToRow(reader).Key);
        }

        return keys;
    }

    /// <summary>A stored scope that no longer parses is left out: the key gets less, never more.</summary>
    private static Row ToRow(SqliteDataReader reader)
    {
        var scopes = Strings(reader.GetString(3)).Select(t => RobotScope.TryParse(t, out var s, out _) ? s : null).OfType<RobotScope>().ToList();
        var key = new ApiKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), scopes, Strings(reader.GetString(4)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)))
        {
            FromIssuer = reader.GetString(7) == IssuerOrigin,
        };
        return new Row(key, (byte[])reader.GetValue(8));
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static DateTimeOffset Milliseconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    private static string Json(IEnumerable<string> values) => JsonSerializer.Serialize(values.ToArray(), StringArrayContext.Default.StringArray);

    private static List<string> Strings(string json) => [.. JsonSerializer.Deserialize(json, StringArrayContext.Default.StringArray) ?? []];

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

    private sealed record Row(ApiKey Key, byte[] Hash);
}
