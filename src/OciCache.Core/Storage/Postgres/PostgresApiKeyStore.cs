using Npgsql;

namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IApiKeyStore"/> in PostgreSQL (table <c>api_keys</c>, migration 1): scopes and groups as
/// <c>text[]</c>, times as <c>timestamptz</c> to the millisecond, the origin as <c>local</c> or <c>oidc</c>.
/// A taken id fails on the primary key, as in SQLite.
/// </summary>
internal sealed class PostgresApiKeyStore(PostgresDatabase database) : IApiKeyStore
{
    private const string Columns = "id, user_name, name, scopes, groups, created_at, expires_at, origin, secret_hash";

    private const string IssuerOrigin = "oidc";

    public Task AddAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            $"INSERT INTO api_keys ({Columns}) VALUES (@id, @user, @name, @scopes, @groups, @created, @expires, @origin, @hash)",
            cancellationToken,
            ("id", key.Id), ("user", key.User), ("name", key.Name), ("scopes", key.Scopes.ToArray()), ("groups", key.Groups.ToArray()),
            ("created", PostgresDatabase.ToMillisecond(key.CreatedAt)), ("expires", PostgresDatabase.ToMillisecond(key.ExpiresAt)),
            ("origin", key.FromIssuer ? IssuerOrigin : "local"), ("hash", key.SecretHash));

    public async Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(ToRecord, cancellationToken, $"SELECT {Columns} FROM api_keys WHERE id = @id", ("id", id)))
        .SingleOrDefault();

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string user, CancellationToken cancellationToken) =>
        database.ReadAllAsync(ToRecord, cancellationToken,
            $"SELECT {Columns} FROM api_keys WHERE user_name = @user ORDER BY created_at DESC, id", ("user", user));

    public Task<IReadOnlyList<ApiKeyRecord>> ListAllAsync(CancellationToken cancellationToken) =>
        database.ReadAllAsync(ToRecord, cancellationToken, $"SELECT {Columns} FROM api_keys ORDER BY user_name, created_at DESC, id");

    public async Task<bool> RemoveAsync(string user, string id, CancellationToken cancellationToken) =>
        await database.ExecuteAsync("DELETE FROM api_keys WHERE id = @id AND user_name = @user", cancellationToken, ("id", id), ("user", user)) == 1;

    public Task<int> RemoveAllAsync(string user, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM api_keys WHERE user_name = @user", cancellationToken, ("user", user));

    private static ApiKeyRecord ToRecord(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetFieldValue<string[]>(4),
        reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7) == IssuerOrigin,
        reader.GetFieldValue<byte[]>(8));
}
