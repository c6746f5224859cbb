namespace OciCache.Http;

/// <summary>
/// The <c>Content-Range</c> of an upload chunk. The distribution-spec form is <c>&lt;start&gt;-&lt;end&gt;</c>;
/// the RFC form <c>bytes &lt;start&gt;-&lt;end&gt;/&lt;total&gt;</c> that some clients send is accepted too.
/// </summary>
internal static class ContentRange
{
    public static bool TryParseStart(string? header, out long start, out long end)
    {
        start = end = -1;
        if (string.IsNullOrWhiteSpace(header))
        {
            return false;
        }

        var value = header.AsSpan().Trim();
        if (value.StartsWith("bytes", StringComparison.OrdinalIgnoreCase))
        {
            value = value[5..].TrimStart(" =");
        }

        var slash = value.IndexOf('/');
        if (slash >= 0)
        {
            value = value[..slash];
        }

        var dash = value.IndexOf('-');
        return dash > 0 &&
               long.TryParse(value[..dash], out start) && long.TryParse(value[(dash + 1)..], out end) &&
               start >= 0 && end >= start;
    }
}
