namespace OciCache.Auth;

/// <summary>One entry of a token's <c>access</c> claim: actions granted on one repository (by its policy name).</summary>
public sealed record TokenAccess(string Type, string Name, AccessActions Actions);

/// <summary>
/// The claims of a token the server issued. <see cref="Use"/> keeps the two kinds apart: an access token
/// (<c>access</c>) is what <c>/v2/</c> accepts, a refresh token (<c>refresh</c>) only <c>POST /token</c>.
/// </summary>
public sealed record TokenClaims(string Issuer, string Subject, string Audience, string Use)
{
    public const string AccessUse = "access";
    public const string RefreshUse = "refresh";

    public DateTimeOffset IssuedAt { get; init; }

    public DateTimeOffset NotBefore { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    public string Id { get; init; } = "";

    public IReadOnlyList<TokenAccess> Access { get; init; } = [];

    /// <summary>The API key the subject signed in with (claim <c>api_key</c>), so every later check uses the key's limits, and ends with the key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// The fingerprint of the secret the subject signed in with (claim <c>cred</c>, <see cref="Identity.Credential"/>):
    /// the token ends when the password or robot secret changes. Never the secret, nor anything it can be recovered from.
    /// </summary>
    public string? Credential { get; init; }

    /// <summary>What this token grants on <paramref name="repository"/> (entries of type <c>repository</c> only).</summary>
    public AccessActions Grants(string repository)
    {
        var granted = AccessActions.None;
        foreach (var entry in Access)
        {
            if (entry.Type == "repository" && entry.Name == repository)
            {
                granted |= entry.Actions;
            }
        }

        return granted;
    }
}
