namespace OciCache.Auth;

/// <summary>Who a request comes from: an identity proven by Basic credentials or a token, or nobody (both null).</summary>
/// <param name="Token">The claims of the Bearer token the request carried; its grants bound what it may do.</param>
internal sealed record Caller(Identity? Identity, TokenClaims? Token)
{
    public static readonly Caller Anonymous = new(null, null);
}
