using Microsoft.Extensions.Options;
using OciCache.Settings;

namespace OciCache.Auth;

/// <summary>
/// Access control (<c>Auth</c>). No <c>Auth</c> section at all means no access control: every client may
/// pull, push and delete, as before this section existed.
/// </summary>
public sealed record AuthSettings : ISettingsSection
{
    /// <summary>An htpasswd file of users (bcrypt hashes only: <c>htpasswd -B</c>); re-read when it changes.</summary>
    public string? Htpasswd { get; set; }

    /// <summary>Group name → user names, so policies need not list people.</summary>
    public Dictionary<string, List<string>> Groups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Ordered rules; for a signed-in user the first rule naming the repository and the user decides.</summary>
    public List<PolicyRule> Policies { get; set; } = [];

    /// <summary>
    /// Repository pattern → actions anyone may do without signing in. Null (not configured): pull of every
    /// repository, local and mirror. <c>["none"]</c> grants nothing for a pattern.
    /// </summary>
    public Dictionary<string, List<string>>? Anonymous { get; set; }

    /// <summary>Members may pull, push and delete every local repository (and, later, use the management API).</summary>
    public string? AdminGroup { get; set; }

    /// <summary>The token service's name: the <c>service</c> of challenges and the <c>aud</c> of tokens.</summary>
    public string Service { get; set; } = "ocicache";

    /// <summary>
    /// The base URL clients reach the server at (<c>https://ocicache.lan:5000</c>); the token realm is
    /// <c>&lt;ExternalUrl&gt;/token</c>. Null: the scheme and host of each request.
    /// </summary>
    public string? ExternalUrl { get; set; }

    /// <summary>How long an access token is valid.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a refresh token is valid (its subject is checked again on every use).</summary>
    [Duration("Auth")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Failed sign-ins per minute from one source address before further attempts get 429.</summary>
    [AtLeast("Auth", 1)]
    public int FailedSignIns { get; set; } = 10;

    /// <summary>Where and how much of the audit log is kept (<c>Auth:AuditLog</c>).</summary>
    [ValidateObjectMembers]
    public AuditLogOptions AuditLog { get; set; } = new();

    /// <summary>Sign-in for people through an OIDC issuer; null: the console's sign-in form (htpasswd users) only.</summary>
    public OidcSettings? Oidc { get; set; }

    /// <summary>A console session ends after this long without a request.</summary>
    [Duration("Auth")]
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A console session ends this long after sign-in, however busy.</summary>
    [Duration("Auth")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The longest expiry a personal API key may be given; a key without one gets this.</summary>
    [Duration("Auth")]
    public TimeSpan ApiKeyMaxLifetime { get; set; } = TimeSpan.FromDays(365);
}

/// <summary>
/// One rule of <see cref="AuthSettings.Policies"/>: these repositories, for these users and groups, allow these
/// actions. Robots are not named here: a robot's scopes (<c>ocicache robot add --scope</c>) are its whole policy.
/// </summary>
public sealed record PolicyRule : ISettingsSection
{
    /// <summary>Repository patterns (<see cref="OciCache.Oci.RepositoryPattern"/>).</summary>
    public List<string> Repositories { get; set; } = [];

    public List<string> Users { get; set; } = [];

    public List<string> Groups { get; set; } = [];

    /// <summary><c>pull</c>, <c>push</c>, <c>delete</c>, or <c>none</c> (the rule matches and grants nothing).</summary>
    public List<string> Actions { get; set; } = [];
}
