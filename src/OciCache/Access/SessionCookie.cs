namespace OciCache.Access;

/// <summary>
/// The console session's cookie: <c>__Host-ocicache-session</c> over HTTPS (Secure, Path=/, no Domain: the
/// browser refuses it otherwise), <c>ocicache-session</c> over plain HTTP; HttpOnly and SameSite=Lax always.
/// </summary>
internal static class SessionCookie
{
    public const string SecureName = "__Host-ocicache-session";
    public const string PlainName = "ocicache-session";

    public static string NameFor(HttpRequest request) => request.IsHttps ? SecureName : PlainName;

    public static string? Read(HttpRequest request) =>
        request.Cookies.TryGetValue(NameFor(request), out var value) && value.Length is > 0 and < 100 ? value : null;

    public static void Write(HttpContext context, string sessionId) =>
        context.Response.Cookies.Append(NameFor(context.Request), sessionId, Options(context.Request));

    public static void Delete(HttpContext context) =>
        context.Response.Cookies.Delete(NameFor(context.Request), Options(context.Request));

    public static CookieOptions Options(HttpRequest request, string path = "/") => new()
    {
        HttpOnly = true,
        Secure = request.IsHttps,
        SameSite = SameSiteMode.Lax,
        Path = path,
        IsEssential = true,
    };
}
