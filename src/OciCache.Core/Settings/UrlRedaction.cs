namespace OciCache.Settings;

/// <summary>
/// URLs as they may be printed: a password in the user info (<c>http://user:pass@host</c>) becomes
/// <c>***</c>. Works on text that is not a valid URL too, since settings errors print what was given.
/// </summary>
public static class UrlRedaction
{
    public static string Redact(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return url ?? "";
        }

        var start = url.IndexOf("://", StringComparison.Ordinal);
        start = start < 0 ? 0 : start + 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        var authority = url[start..(end < 0 ? url.Length : end)];
        var at = authority.LastIndexOf('@');
        if (at < 0)
        {
            return url;
        }

        var colon = authority.IndexOf(':');
        var user = colon >= 0 && colon < at ? authority[..colon] + ":***" : authority[..at];
        return url[..start] + user + authority[at..] + (end < 0 ? "" : url[end..]);
    }
}
