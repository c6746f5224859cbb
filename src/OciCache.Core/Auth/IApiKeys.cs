namespace OciCache.Auth;

/// <summary>The store of personal API keys (table <c>api_keys</c> of the metadata database).</summary>
public interface IApiKeys
{
    /// <summary>
    /// The key, when <paramref name="secret"/> is one of <paramref name="user"/>'s (<see cref="ApiKey.IsOf"/>) and
    /// has not expired (by the injected clock). Whether its person still exists is the caller's to check.
    /// </summary>
    ValueTask<ApiKey?> VerifyAsync(string user, string secret, CancellationToken cancellationToken);

    /// <summary>The key of that id while it exists and has not expired (a token's key, checked again).</summary>
    ValueTask<ApiKey?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Creates a key; the secret is returned once and never stored.</summary>
    /// <param name="fromIssuer">The person signed in through the OIDC issuer (<see cref="ApiKey.FromIssuer"/>).</param>
    /// <exception cref="ArgumentException">No scopes, or an empty name.</exception>
    ValueTask<(ApiKey Key, string Secret)> CreateAsync(
        string user, string name, IReadOnlyList<RobotScope> scopes, IReadOnlyList<string> groups, DateTimeOffset expiresAt,
        CancellationToken cancellationToken, bool fromIssuer = false);

    /// <summary>The user's keys, expired ones included, newest first.</summary>
    ValueTask<IReadOnlyList<ApiKey>> ListAsync(string user, CancellationToken cancellationToken);

    /// <summary>Removes one of the user's keys; false when the user has no key of that id.</summary>
    ValueTask<bool> RevokeAsync(string user, string id, CancellationToken cancellationToken);

    /// <summary>Everyone's keys, expired ones included, by user then newest first (for admins).</summary>
    ValueTask<IReadOnlyList<ApiKey>> ListAllAsync(CancellationToken cancellationToken);

    /// <summary>Removes the key of that id whoever's it is (an admin's revocation); the removed key, or null for none.</summary>
    ValueTask<ApiKey?> RevokeAnyAsync(string id, CancellationToken cancellationToken);

    /// <summary>Removes every key of <paramref name="user"/> (an admin removed the person); how many there were.</summary>
    ValueTask<int> RevokeAllAsync(string user, CancellationToken cancellationToken);
}
