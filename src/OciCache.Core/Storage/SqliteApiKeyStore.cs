using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OciCache.Storage;

/// <summary>
/// <see cref="IApiKeyStore"/> in the metadata database (table <c>api_keys</c>, <see cref="Schema.ApiKeys"/> and
/// <see cref="Schema.ApiKeyOrigin"/>): scopes and groups as JSON arrays of texts, times in Unix milliseconds,
/// the origin as <c>local</c> or <c>oidc</c>. Writes go through the database's one writer thread; reads open
/// their own connection.
/// </summary>
internal sealed class SqliteApiKeyStore(SqliteDatabase database) : IApiKeyStore
{
    private const string Columns = "id, user, name, scopes, groups, created_at, expires_at, origin, secret_hash";

    private const string IssuerOrigin = "oidc";

    public Task AddAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        database.ExecuteOnWriterAsync(
            $"INSERT INTO api_keys ({Columns}) VALUES ($id, $user, $name, $scopes, $groups, $created, $expires, $origin, $hash)",
            ("$id", key.Id), ("$user", key.User), ("$name", key.Name), ("$scopes", Json(key.Scopes)), ("$groups", Json(key.Groups)),
            ("$created", key.CreatedAt.ToUnixTimeMilliseconds()), ("$expires", key.ExpiresAt.ToUnixTimeMilliseconds()),
            ("$origin", key.FromIssuer ? IssuerOrigin : "local"), ("$hash", key.SecretHash));

    public async Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(ToRecord, cancellationToken, $"SELECT {Columns} FROM api_keys WHERE id = $id", ("$id", id)))
        .SingleOrDefault();

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string user, CancellationToken cancellationToken) =>
        database.ReadAllAsync(ToRecord, cancellationToken,
            $"SELECT {Columns} FROM api_keys WHERE user = $user ORDER BY created_at DESC, id", ("$user", user));

    public Task<IReadOnlyList<ApiKeyRecord>> ListAllAsync(CancellationToken cancellationToken) =>
        database.ReadAllAsync(ToRecord, cancellationToken, $"SELECT {Columns} FROM api_keys ORDER BY user, created_at DESC, id");

    public async Task<bool> RemoveAsync(string user, string id, CancellationToken cancellationToken) =>
        await database.ExecuteOnWriterAsync("DELETE FROM api_keys WHERE id = $id AND user = $user", ("$id", id), ("$user", user)) == 1;

    public Task<int> RemoveAllAsync(string user, CancellationToken cancellationToken) =>
        database.ExecuteOnWriterAsync("DELETE FROM api_keys WHERE user = $user", ("$user", user));

    private static ApiKeyRecord ToRecord(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), Strings(reader.GetString(3)), Strings(reader.GetString(4)),
        reader.Time(5), reader.Time(6), reader.GetString(7) == IssuerOrigin, (byte[])reader.GetValue(8));

    private static string Json(IEnumerable<string> values) => JsonSerializer.Serialize(values.ToArray(), StringArrayContext.Default.StringArray);

    private static string[] Strings(string json) => JsonSerializer.Deserialize(json, StringArrayContext.Default.StringArray) ?? [];
}
