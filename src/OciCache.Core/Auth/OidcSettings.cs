using OciCache.Settings;

namespace OciCache.Auth;

/// <summary>
/// Sign-in for people through an OpenID Connect issuer (<c>Auth:Oidc</c>): the authorization code flow with
/// PKCE. The console's redirect URI, to register at the issuer, is <c>&lt;ExternalUrl&gt;/ui/signin/callback</c>.
/// </summary>
public sealed record OidcSettings : ISettingsSection
{
    /// <summary>The issuer URL (<c>https://id.example.com</c>); its discovery document is read at the first sign-in.</summary>
    public string Issuer { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>The client's secret; sent as <c>client_secret_basic</c>, or <c>client_secret_post</c> when the issuer supports only that.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>The scopes asked for; null (not configured): <see cref="DefaultScopes"/>. A list given replaces the default.</summary>
    public List<string>? Scopes { get; set; }

    public static IReadOnlyList<string> DefaultScopes { get; } = ["openid", "profile", "email", "groups"];

    public IReadOnlyList<string> EffectiveScopes => Scopes is { Count: > 0 } scopes ? scopes : DefaultScopes;

    /// <summary>The ID token claim that lists the person's groups (an array of strings, or one string).</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>
    /// False (the default): a person of the issuer is <c>oidc:&lt;name&gt;</c> (<see cref="NamePrefix"/>), so an
    /// issuer's account can never be an htpasswd user or a name in <c>Auth:Groups</c> and <c>Auth:Policies</c>
    /// meant for one. True: the issuer's names are used as they are, for an issuer that owns the names.
    /// </summary>
    public bool TrustUsernames { get; set; }

    /// <summary>The namespace of the issuer's people; its colon cannot occur in an htpasswd user name.</summary>
    public const string NamePrefix = "oidc:";

    /// <summary>The console's base URL as browsers reach it; null: <c>Auth:ExternalUrl</c>, else each request's scheme and host.</summary>
    public string? ExternalUrl { get; set; }

    /// <summary>The redirect URI for a base URL (no trailing slash needed).</summary>
    public static string RedirectUri(string baseUrl) => baseUrl.TrimEnd('/') + "/ui/signin/callback";
}
