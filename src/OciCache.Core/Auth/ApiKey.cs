using System.Buffers.Text;
using System.Security.Cryptography;

namespace OciCache.Auth;

/// <summary>
/// A person's API key: works as the password of Docker clients with the person's user name, for at most what
/// its <see cref="Scopes"/> grant and what the person may do (with the <see cref="Groups"/> they had when they
/// created it, for people whose groups come from the OIDC issuer).
/// </summary>
/// <param name="Id">16 hex digits; also the start of the key's text, so a sign-in finds its row without a scan.</param>
public sealed record ApiKey(
    string Id, string User, string Name, IReadOnlyList<RobotScope> Scopes, IReadOnlyList<string> Groups,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// Made by a person the OIDC issuer vouched for (a console session of theirs). Such a key holds while its
    /// person could still be there: within <c>Auth:ApiKeyMaxLifetime</c> of that sign-in, until an admin
    /// removes the person. Any other key is an htpasswd user's and holds while the file has that user.
    /// </summary>
    public bool FromIssuer { get; init; }

    /// <summary>
    /// Whether <paramref name="user"/>, sent with the key's text, names its person: the key's own user, or for
    /// an issuer's person also the name without <see cref="OidcSettings.NamePrefix"/> (a Basic user name cannot
    /// hold the prefix's colon). The key's row, never the name sent, decides who the caller is.
    /// </summary>
    public bool IsOf(string user) =>
        user == User || (FromIssuer && User.StartsWith(OidcSettings.NamePrefix, StringComparison.Ordinal) && User.AsSpan(OidcSettings.NamePrefix.Length).SequenceEqual(user));

    /// <summary>The identity of a sign-in with this key.</summary>
    public Identity ToIdentity() => Identity.User(User) with
    {
        Groups = new HashSet<string>(Groups, StringComparer.Ordinal),
        Limit = Scopes,
        ApiKeyId = Id,
        FromIssuer = FromIssuer,
    };
}

/// <summary>
/// The text of an API key: <c>ocikey_</c>, the key's id (16 hex digits), <c>_</c>, and 32 random bytes in
/// unpadded base64url. Only the SHA-256 of the whole text is stored (256 random bits: see <see cref="RobotSecret"/>).
/// </summary>
public static class ApiKeySecret
{
    public const string Prefix = "ocikey_";

    private const int IdLength = 16;

    public static (string Id, string Secret) Create()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));
        return (id, $"{Prefix}{id}_{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32))}");
    }

    /// <summary>The id a key's text names, or null when the text is not of a key's form.</summary>
    public static string? IdOf(string text) =>
        text.Length == Prefix.Length + IdLength + 1 + 43 && text.StartsWith(Prefix, StringComparison.Ordinal) &&
        text[Prefix.Length + IdLength] == '_' && text.AsSpan(Prefix.Length, IdLength).ContainsAnyExcept("0123456789abcdef") == false
            ? text.Substring(Prefix.Length, IdLength)
            : null;
}
