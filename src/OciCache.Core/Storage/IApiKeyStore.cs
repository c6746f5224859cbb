namespace OciCache.Storage;

/// <summary>
/// The stored personal API keys, as rows (the metadata database's <c>api_keys</c> table in SQLite). What a
/// row means is Auth's (<c>Auth/ApiKeys</c>): the key's text and its hash, the check in fixed time, expiry,
/// scopes. A store keeps each row as it was given and hands it back unchanged, times to the millisecond; it
/// never sees a key's text.
/// </summary>
/// <remarks>Every backend passes <c>tests/OciCache.TestSupport/Storage/ApiKeyStoreContract.cs</c>.</remarks>
public interface IApiKeyStore
{
    /// <summary>Adds the row (a new random id: a taken id is an error of the caller, and fails).</summary>
    Task AddAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    /// <summary>The row of that id, expired or not, or null.</summary>
    Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>The user's rows, newest first (then by id).</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string user, CancellationToken cancellationToken);

    /// <summary>Every row, by user (ordinal), then newest first (then by id).</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListAllAsync(CancellationToken cancellationToken);

    /// <summary>Removes the row of that id when it is <paramref name="user"/>'s; false when the user has none of that id.</summary>
    Task<bool> RemoveAsync(string user, string id, CancellationToken cancellationToken);

    /// <summary>Removes every row of <paramref name="user"/>; how many there were.</summary>
    Task<int> RemoveAllAsync(string user, CancellationToken cancellationToken);
}

/// <summary>An API key's row.</summary>
/// <param name="Scopes">The scopes' texts as given; Auth parses them when it reads the row.</param>
/// <param name="FromIssuer">Made by a person the OIDC issuer vouched for (stored as the origin <c>oidc</c>, else <c>local</c>).</param>
/// <param name="SecretHash">The SHA-256 of the key's text (32 bytes).</param>
public sealed record ApiKeyRecord(
    string Id, string User, string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string> Groups,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, bool FromIssuer, byte[] SecretHash);
