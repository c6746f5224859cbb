using OciCache.Auth;

namespace OciCache.Access;

/// <summary>
/// Who a request comes from: an identity proven by Basic credentials, a token, or (on <c>/ui</c> and
/// <c>/api</c> only) the console's session cookie; or nobody (all null).
/// </summary>
/// <param name="Token">The claims of the Bearer token the request carried; its grants bound what it may do.</param>
internal sealed record Caller(Identity? Identity, TokenClaims? Token)
{
    /// <summary>The console session the request came with (its <see cref="ConsoleSession.CsrfToken"/> goes into forms); null otherwise.</summary>
    public ConsoleSession? Session { get; init; }

    public static readonly Caller Anonymous = new(null, null);
}
