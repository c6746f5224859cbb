namespace OciCache.Auth;

/// <summary>
/// A repository pattern of policies and robot scopes: segments separated by <c>/</c>, where <c>*</c> matches
/// any characters within one segment and a segment of <c>**</c> matches any number of segments, none
/// included (<c>site/**</c> matches <c>site</c>, <c>site/app</c> and <c>site/team/app</c>). Matched against the
/// name a policy sees: a local repository's own name, a mirror repository's upstream and remote name
/// (<c>docker.io/library/nginx</c>).
/// </summary>
internal sealed class RepositoryGlob
{
    private readonly string[] _segments;

    private RepositoryGlob(string text, string[] segments)
    {
        Pattern = text;
        _segments = segments;
    }

    public string Pattern { get; }

    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RepositoryGlob? glob, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        glob = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a repository pattern must not be empty";
            return false;
        }

        var segments = text.Split('/');
        foreach (var segment in segments)
        {
            if (segment.Length == 0)
            {
                error = $"'{text}' has an empty path segment";
                return false;
            }

            if (segment.Contains("**", StringComparison.Ordinal) && segment != "**")
            {
                error = $"'{text}': ** must be a whole path segment";
                return false;
            }

            if (segment.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' or '*' or ':')))
            {
                error = $"'{text}' holds a character no repository name has (lower-case letters, digits, . _ - and * only)";
                return false;
            }
        }

        glob = new RepositoryGlob(text, segments);
        return true;
    }

    public bool IsMatch(string repository) => Match(_segments, 0, repository.Split('/'), 0);

    private static bool Match(string[] pattern, int p, string[] name, int n)
    {
        while (p < pattern.Length)
        {
            if (pattern[p] == "**")
            {
                for (var skip = n; skip <= name.Length; skip++)
                {
                    if (Match(pattern, p + 1, name, skip))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (n == name.Length || !MatchSegment(pattern[p], name[n]))
            {
                return false;
            }

            p++;
            n++;
        }

        return n == name.Length;
    }

    /// <summary><c>*</c> within a segment: any run of characters (never a <c>/</c>, segments are split already).</summary>
    private static bool MatchSegment(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        var star = pattern.IndexOf('*');
        if (star < 0)
        {
            return pattern.SequenceEqual(text);
        }

        if (!text.StartsWith(pattern[..star]))
        {
            return false;
        }

        var rest = pattern[(star + 1)..];
        for (var i = star; i <= text.Length; i++)
        {
            if (MatchSegment(rest, text[i..]))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Pattern;
}
