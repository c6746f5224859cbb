namespace OciCache.WebConsole;

/// <summary>
/// Security headers on the console and its API: a strict Content-Security-Policy (only this origin's own
/// stylesheet, script and images; no inline code, no frames, forms only to itself), no framing, no MIME
/// sniffing, the referrer only to this origin. Registry paths (<c>/v2/</c>) are left as they are.
/// </summary>
internal sealed class ConsoleHeaders(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path == "/" || path.StartsWithSegments("/ui") || path.StartsWithSegments("/api"))
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin"; // not no-referrer: that sends "Origin: null" with forms, which the CSRF check refuses
            if (!path.StartsWithSegments("/ui/assets"))
            {
                headers.CacheControl = "no-store";
            }
        }

        return next(context);
    }
}
