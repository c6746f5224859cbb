using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace OciCache.SignIn;

/// <summary>
/// The sign-in page: a plain HTML form (works without JavaScript), and a link to the OIDC issuer when one is
/// configured. The console's own pages may replace it; the form's fields are <c>username</c>,
/// <c>password</c> and <c>returnUrl</c>, posted to <c>/ui/signin</c>.
/// </summary>
internal static class SignInPage
{
    public static Task WriteAsync(HttpContext context, int status, string returnUrl, bool oidc, string? message)
    {
        var encoder = HtmlEncoder.Default;
        var back = encoder.Encode(returnUrl);
        var issuer = oidc
            ? $"""<p><a href="/ui/signin/oidc?returnUrl={encoder.Encode(Uri.EscapeDataString(returnUrl))}">Sign in with your organisation's account</a></p>"""
            : "";
        var error = message is null ? "" : $"""<p role="alert">{encoder.Encode(message)}</p>""";
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'";
        return context.Response.WriteAsync($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · OciCache</title>
            <link rel="icon" href="{WebConsole.ConsoleAssets.IconPath}" type="image/svg+xml"><link rel="stylesheet" href="{WebConsole.ConsoleAssets.StylePath}"></head>
            <body><main><h1>Sign in</h1>{error}{issuer}
            <form method="post" action="/ui/signin">
            <input type="hidden" name="returnUrl" value="{back}">
            <p><label>User name <input name="username" autocomplete="username" required></label></p>
            <p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
            <p><button type="submit">Sign in</button></p>
            </form></main></body></html>
            """);
    }

    /// <summary>
    /// A local path to go back to after sign-in; anything else (another host, <c>//host</c>, <c>/\host</c>) is <c>/</c>.
    /// It ends up in a <c>Location</c> header, which carries ASCII only: a space and every character past ASCII
    /// (<c>/\u2028x</c>) are percent-encoded as UTF-8 (<c>/%E2%80%A8x</c>); what is ASCII already is kept as given.
    /// </summary>
    public static string LocalReturnUrl(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? PercentEncodeNonAscii(url)
            : "/";

    private static string PercentEncodeNonAscii(string url)
    {
        if (url.All(c => c is > ' ' and < (char)0x7F))
        {
            return url;
        }

        var encoded = new StringBuilder(url.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(url))
        {
            _ = b is > (byte)' ' and < 0x7F ? encoded.Append((char)b) : encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return encoded.ToString();
    }
}
