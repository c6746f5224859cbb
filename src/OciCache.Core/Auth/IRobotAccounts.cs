namespace OciCache.Auth;

/// <summary>Robot accounts, stored in the metadata database (secret hashes only).</summary>
public interface IRobotAccounts
{
    /// <summary>
    /// The account when <paramref name="name"/> (without the <c>robot$</c> prefix) exists, has not expired
    /// and <paramref name="secret"/> is its secret; null otherwise, in constant time with respect to the secret.
    /// </summary>
    ValueTask<RobotAccount?> VerifyAsync(string name, string secret, CancellationToken cancellationToken);

    /// <summary>Creates an account and returns it with its secret (shown once, never stored).</summary>
    /// <exception cref="InvalidOperationException">An account of that name exists.</exception>
    ValueTask<(RobotAccount Account, string Secret)> AddAsync(string name, IReadOnlyList<RobotScope> scopes, DateTimeOffset? expiresAt, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<RobotAccount>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The account of that name (without <c>robot$</c>) while it exists and has not expired; null otherwise.</summary>
    ValueTask<RobotAccount?> FindAsync(string name, CancellationToken cancellationToken);

    /// <summary>False when there was no such account.</summary>
    ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken);
}
