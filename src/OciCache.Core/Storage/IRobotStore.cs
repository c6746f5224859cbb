namespace OciCache.Storage;

/// <summary>
/// The stored robot accounts, as rows (the metadata database's <c>robots</c> table in SQLite). What a row
/// means is Auth's (<c>Auth/RobotAccounts</c>): the secret, its hash and the check in fixed time, expiry,
/// the scopes' grammar. A store keeps each row as it was given and hands it back unchanged, times to the
/// millisecond; it never sees a secret.
/// </summary>
/// <remarks>Every backend passes <c>tests/OciCache.TestSupport/Storage/RobotStoreContract.cs</c>.</remarks>
public interface IRobotStore
{
    /// <summary>Adds the row; false, with nothing written, when a row of that name exists (one atomic step).</summary>
    Task<bool> TryAddAsync(RobotRecord robot, CancellationToken cancellationToken);

    /// <summary>The row of that name, or null.</summary>
    Task<RobotRecord?> FindAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every row, by name (ordinal).</summary>
    Task<IReadOnlyList<RobotRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Removes the row of that name; false when there was none.</summary>
    Task<bool> RemoveAsync(string name, CancellationToken cancellationToken);
}

/// <summary>A robot account's row.</summary>
/// <param name="SecretHash">The SHA-256 of the secret (32 bytes); the secret itself is never stored.</param>
/// <param name="Scopes">The scopes' texts as given; Auth parses them when it reads the row.</param>
/// <param name="ExpiresAt">Null: never.</param>
public sealed record RobotRecord(string Name, byte[] SecretHash, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);
