namespace OciCache.Auth;

/// <summary>The store of personal API keys (table <c>api_keys</c> of the metadata database).</summary>
public interface IApiKeys
{
    /// <summary>The key, when <paramref name="secret"/> is one of <paramref name="user"/>'s and has not expired (by the injected clock).</summary>
    ValueTask<ApiKey?> VerifyAsync(string user, string secret, CancellationToken cancellationToken);

    /// <summary>The key of that id while it exists and has not expired (a token's key, checked again).</summary>
    ValueTask<ApiKey?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Creates a key; the secret is returned once and never stored.</summary>
    /// <exception cref="ArgumentException">No scopes, or an empty name.</exception>
    ValueTask<(ApiKey Key, string Secret)> CreateAsync(
        string user, string name, IReadOnlyList<RobotScope> scopes, IReadOnlyList<string> groups, DateTimeOffset expiresAt,
        CancellationToken cancellationToken);

    /// <summary>The user's keys, expired ones included, newest first.</summary>
    ValueTask<IReadOnlyList<ApiKey>> ListAsync(string user, CancellationToken cancellationToken);

    /// <summary>Removes one of the user's keys; false when the user has no key of that id.</summary>
    ValueTask<bool> RevokeAsync(string user, string id, CancellationToken cancellationToken);
}
