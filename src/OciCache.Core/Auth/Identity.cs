namespace OciCache.Auth;

public enum IdentityKind
{
    User,
    Robot,
}

/// <summary>
/// Who a request was proven to come from: a user of the htpasswd file or a robot account. A request
/// without credentials has no identity (null), never an "anonymous" one.
/// </summary>
/// <param name="Name">The user name, or the robot's sign-in name <c>robot$NAME</c>.</param>
public sealed record Identity(string Name, IdentityKind Kind)
{
    /// <summary>A robot's scopes, its whole policy; empty for users.</summary>
    public IReadOnlyList<RobotScope> Scopes { get; init; } = [];

    public static Identity User(string name) => new(name, IdentityKind.User);

    public static Identity Robot(RobotAccount account) => new(account.UserName, IdentityKind.Robot) { Scopes = account.Scopes };

    /// <summary>The audit log's <c>who</c> for a caller with or without an identity.</summary>
    public static string WhoOf(Identity? identity) => identity?.Name ?? "anonymous";
}
