using System.Security.Cryptography;
using System.Text;
using OciCache.Auth;

namespace OciCache.Access;

/// <summary>
/// Cross-site request forgery checks for requests that carry the session cookie. A state-changing request
/// (anything but GET, HEAD, OPTIONS) must come from the console's own origin (<c>Origin</c>, or without it
/// <c>Referer</c>; one of them is required) and carry the session's token: the form field
/// <see cref="FieldName"/> or the header <see cref="HeaderName"/> (a synchronizer token, compared in fixed
/// time). Requests with Basic or Bearer credentials are not cookie sessions and are not checked.
/// </summary>
/// <remarks>https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html</remarks>
internal static class CsrfCheck
{
    public const string FieldName = "_csrf";
    public const string HeaderName = "X-CSRF-Token";

    public static bool IsSafeMethod(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    /// <summary>Null when the request passes; otherwise why not (never the token itself).</summary>
    public static async ValueTask<string?> FailureAsync(HttpContext context, ConsoleSession session, AuthSettings settings)
    {
        if (!IsSameOrigin(context, settings))
        {
            return "the request does not come from the console's origin";
        }

        var offered = context.Request.Headers[HeaderName].ToString();
        if (offered.Length == 0 && context.Request.HasFormContentType)
        {
            var form = await Http.BodyLimits.ReadFormAsync(context);
            offered = form[FieldName].ToString();
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(offered), Encoding.UTF8.GetBytes(session.CsrfToken))
            ? null
            : "the CSRF token is missing or wrong";
    }

    /// <summary>
    /// <c>Origin</c> (or, without it, <c>Referer</c>) is the request's own scheme and host, or that of
    /// <c>Auth:Oidc:ExternalUrl</c> or <c>Auth:ExternalUrl</c>; a request with neither header is refused.
    /// </summary>
    public static bool IsSameOrigin(HttpContext context, AuthSettings settings)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 && Uri.TryCreate(context.Request.Headers.Referer.ToString(), UriKind.Absolute, out var referer))
        {
            origin = referer.GetLeftPart(UriPartial.Authority);
        }

        if (origin.Length == 0 || origin == "null")
        {
            return false;
        }

        var own = $"{context.Request.Scheme}://{context.Request.Host}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) ||
               new[] { settings.Oidc?.ExternalUrl, settings.ExternalUrl }.Any(u =>
                   Uri.TryCreate(u, UriKind.Absolute, out var url) && string.Equals(origin, url.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase));
    }
}
