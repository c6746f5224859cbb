namespace OciCache.Auth;

public enum IdentityKind
{
    User,
    Robot,
}

/// <summary>
/// Who a request was proven to come from: a user of the htpasswd file, a person signed in through the OIDC
/// issuer, a user signed in with one of their API keys, or a robot account. A request without credentials
/// has no identity (null), never an "anonymous" one.
/// </summary>
/// <param name="Name">The user name, or the robot's sign-in name <c>robot$NAME</c>.</param>
public sealed record Identity(string Name, IdentityKind Kind)
{
    private static readonly IReadOnlySet<string> NoGroups = new HashSet<string>();

    /// <summary>A robot's scopes, its whole policy; empty for users.</summary>
    public IReadOnlyList<RobotScope> Scopes { get; init; } = [];

    /// <summary>
    /// Groups proven at sign-in (the OIDC issuer's groups claim), in addition to those <c>Auth:Groups</c>
    /// lists for the user's name; the policy treats both alike.
    /// </summary>
    public IReadOnlySet<string> Groups { get; init; } = NoGroups;

    /// <summary>
    /// For a user signed in with an API key: the key's scopes, which bound what the user's policy allows (a
    /// key never gives more than its user has, nor admin rights). Null for every other sign-in.
    /// </summary>
    public IReadOnlyList<RobotScope>? Limit { get; init; }

    /// <summary>The id of the API key this identity signed in with (also carried by its tokens), or null.</summary>
    public string? ApiKeyId { get; init; }

    /// <summary>
    /// A fingerprint of the secret this identity signed in with (<see cref="HtpasswdFile.Fingerprint"/>,
    /// <see cref="RobotAccount.Credential"/>): it changes when the password or the robot's secret does, and
    /// tells nothing about the secret. Tokens carry it (claim <c>cred</c>) and end when it changes. Null for
    /// API keys (their tokens carry the key's id) and people of the OIDC issuer.
    /// </summary>
    public string? Credential { get; init; }

    /// <summary>A person the OIDC issuer vouched for at sign-in (not an htpasswd user).</summary>
    public bool FromIssuer { get; init; }

    public static Identity User(string name) => new(name, IdentityKind.User);

    public static Identity Robot(RobotAccount account) =>
        new(account.UserName, IdentityKind.Robot) { Scopes = account.Scopes, Credential = account.Credential };

    /// <summary>The audit log's <c>who</c> for a caller with or without an identity.</summary>
    public static string WhoOf(Identity? identity) => identity?.Name ?? "anonymous";
}
