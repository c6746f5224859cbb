using System.Security.Cryptography;
using System.Text;
using OciCache.Storage;

namespace OciCache.Auth;

/// <summary>
/// <see cref="IApiKeys"/> on the stored rows of <see cref="IApiKeyStore"/>. Only the SHA-256 of a key's text is
/// handed to the store, compared here in fixed time (against zeros when no row has the id: the same work);
/// expiry by the injected clock.
/// </summary>
internal sealed class ApiKeys(IApiKeyStore store, TimeProvider time) : IApiKeys
{
    private static readonly byte[] NoKeyHash = new byte[SHA256.HashSizeInBytes];

    public async ValueTask<ApiKey?> VerifyAsync(string user, string secret, CancellationToken cancellationToken)
    {
        var row = ApiKeySecret.IdOf(secret) is { } id ? await store.FindAsync(id, cancellationToken) : null;
        var matches = CryptographicOperations.FixedTimeEquals(Hash(secret), row?.SecretHash ?? NoKeyHash);
        return matches && row is not null && ToKey(row) is var key && key.IsOf(user) && Live(key) ? key : null;
    }

    public async ValueTask<ApiKey?> FindAsync(string id, CancellationToken cancellationToken) =>
        await store.FindAsync(id, cancellationToken) is { } row && ToKey(row) is var key && Live(key) ? key : null;

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
        await store.AddAsync(new ApiKeyRecord(id, user, name, [.. scopes.Select(s => s.ToString())], [.. groups],
            key.CreatedAt, key.ExpiresAt, fromIssuer, Hash(secret)), cancellationToken);
        return (key, secret);
    }

    public async ValueTask<IReadOnlyList<ApiKey>> ListAsync(string user, CancellationToken cancellationToken) =>
        [.. (await store.ListAsync(user, cancellationToken)).Select(ToKey)];

    public async ValueTask<IReadOnlyList<ApiKey>> ListAllAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListAllAsync(cancellationToken)).Select(ToKey)];

    public async ValueTask<ApiKey?> RevokeAnyAsync(string id, CancellationToken cancellationToken)
    {
        var row = await store.FindAsync(id, cancellationToken);
        return row is not null && await RevokeAsync(row.User, id, cancellationToken) ? ToKey(row) : null;
    }

    public async ValueTask<int> RevokeAllAsync(string user, CancellationToken cancellationToken) =>
        await store.RemoveAllAsync(user, cancellationToken);

    public async ValueTask<bool> RevokeAsync(string user, string id, CancellationToken cancellationToken) =>
        await store.RemoveAsync(user, id, cancellationToken);

    /// <summary>Expired at <see cref="ApiKey.ExpiresAt"/> itself, by the injected clock.</summary>
    private bool Live(ApiKey key) => time.GetUtcNow() < key.ExpiresAt;

    /// <summary>A stored scope that no longer parses is left out: the key gets less, never more.</summary>
    private static ApiKey ToKey(ApiKeyRecord row) =>
        new ApiKey(row.Id, row.User, row.Name, [.. row.Scopes.Select(t => RobotScope.TryParse(t, out var s, out _) ? s : null).OfType<RobotScope>()],
            [.. row.Groups], row.CreatedAt, row.ExpiresAt)
        {
            FromIssuer = row.FromIssuer,
        };

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static DateTimeOffset Milliseconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
}
