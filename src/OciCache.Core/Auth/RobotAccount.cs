namespace OciCache.Auth;

/// <summary>
/// A machine identity (CI, nodes). Clients sign in as <c>robot$&lt;Name&gt;</c> with the secret printed once by
/// <c>ocicache robot add</c>; only a hash of the secret is stored.
/// </summary>
public sealed record RobotAccount(string Name, IReadOnlyList<RobotScope> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    /// <summary>
    /// A fingerprint of the account's secret (derived from the stored hash, never the secret): a robot removed
    /// and added again under the same name has another one, so tokens of the old secret end.
    /// </summary>
    public string? Credential { get; init; }

    /// <summary>The user name a client signs in with.</summary>
    public string UserName => UserNamePrefix + Name;

    public const string UserNamePrefix = "robot$";
}
