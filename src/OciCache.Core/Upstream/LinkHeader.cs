namespace OciCache.Upstream;

/// <summary>
/// The <c>Link</c> header of paged listings (RFC 8288): <c>&lt;/v2/app/tags/list?n=2&amp;last=b&gt;; rel="next"</c>.
/// One parser for the pages the cache follows itself (<see cref="UpstreamClient.ListTagsAsync"/>) and the
/// links the forwarder rewrites for clients.
/// </summary>
/// <remarks>https://www.rfc-editor.org/rfc/rfc8288#section-3</remarks>
public static class LinkHeader
{
    /// <summary>
    /// The target of the first link whose <c>rel</c> includes <c>next</c>, across all values (each may hold
    /// several comma-separated links); null when there is none or a value is malformed.
    /// </summary>
    public static string? FindNext(IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            var position = 0;
            while (TryReadLink(value, ref position, out var target, out var isNext))
            {
                if (isNext)
                {
                    return target;
                }
            }
        }

        return null;
    }

    public static string? FindNext(string? value) => value is null ? null : FindNext([value]);

    /// <summary>A link to the next page, as a registry writes it.</summary>
    public static string Next(string target) => $"<{target}>; rel=\"next\"";

    /// <summary>Reads one <c>&lt;target&gt; *(";" param)</c> from <paramref name="position"/>, leaving it past the link's comma.</summary>
    private static bool TryReadLink(string value, ref int position, out string target, out bool isNext)
    {
        target = "";
        isNext = false;
        var open = value.IndexOf('<', position);
        var close = open < 0 ? -1 : value.IndexOf('>', open + 1);
        if (close < 0 || !value.AsSpan(position, open - position).Trim(" \t,").IsEmpty)
        {
            return false;
        }

        target = value[(open + 1)..close];
        position = close + 1;
        while (position < value.Length)
        {
            switch (value[position])
            {
                case ',':
                    position++;
                    return true;
                case ';':
                    var end = ParamEnd(value, position + 1);
                    isNext |= IsRelNext(value.AsSpan(position + 1, end - position - 1));
                    position = end;
                    break;
                default:
                    position++; // whitespace
                    break;
            }
        }

        return true;
    }

    /// <summary><c>rel="next"</c>, <c>rel=next</c> or a space-separated list of relations with <c>next</c> among them.</summary>
    private static bool IsRelNext(ReadOnlySpan<char> param)
    {
        var equals = param.IndexOf('=');
        if (equals <= 0 || !param[..equals].Trim(" \t").Equals("rel", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var relations = param[(equals + 1)..].Trim(" \t").Trim('"');
        foreach (var range in relations.Split(' '))
        {
            if (relations[range].Equals("next", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where the parameter starting at <paramref name="start"/> ends: at a ';' or ',' outside quotes.</summary>
    private static int ParamEnd(string value, int start)
    {
        var quoted = false;
        for (var i = start; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is ';' or ',')
            {
                return i;
            }
        }

        return value.Length;
    }
}
