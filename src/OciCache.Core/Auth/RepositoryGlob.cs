using System.Diagnostics.CodeAnalysis;
using OciCache.Oci;

namespace OciCache.Auth;

/// <summary>
/// A pattern over repository names, segment by segment (<c>/</c> separates segments): <c>*</c> stands for
/// any characters within one segment (never a <c>/</c>), a segment that is exactly <c>**</c> for any number
/// of whole segments, none included, so <c>site/**</c> covers <c>site</c> and everything below it, and
/// <c>**</c> alone every repository. Everything else matches itself. A name that is not a valid repository
/// name matches no pattern.
/// </summary>
/// <remarks>
/// Matching is by segments, not a regular expression: linear in the name for each <c>**</c>, no timeout to
/// tune, and nothing a pattern can contain makes it slow.
/// </remarks>
public sealed class RepositoryGlob
{
    private const string AnyDepth = "**";

    private readonly string[] _segments;

    private RepositoryGlob(string pattern, string[] segments)
    {
        Pattern = pattern;
        _segments = segments;
    }

    public string Pattern { get; }

    /// <summary>
    /// Parses <paramref name="pattern"/>; false with a reason when it has an empty segment, a character no
    /// repository name has (upper case, a space, a control character), <c>**</c> inside a segment, or a
    /// segment no name could match (<c>-site</c>, <c>site_</c>, <c>a..b</c>).
    /// </summary>
    public static bool TryParse(string pattern, [NotNullWhen(true)] out RepositoryGlob? glob, [NotNullWhen(false)] out string? error)
    {
        glob = null;
        error = Check(pattern);
        if (error is not null)
        {
            return false;
        }

        // Consecutive ** are one: the same names, and no repeated work in Match.
        var segments = pattern.Split('/').Aggregate(new List<string>(), (kept, segment) =>
        {
            if (!(segment == AnyDepth && kept.Count > 0 && kept[^1] == AnyDepth))
            {
                kept.Add(segment);
            }

            return kept;
        });
        glob = new RepositoryGlob(pattern, [.. segments]);
        return true;
    }

    /// <exception cref="FormatException">The pattern does not parse (settings are checked at start, so this is a bug).</exception>
    public static RepositoryGlob Parse(string pattern) =>
        TryParse(pattern, out var glob, out var error) ? glob : throw new FormatException(error);

    public bool IsMatch(string repository)
    {
        if (!RepositoryName.IsValid(repository))
        {
            return false;
        }

        var names = repository.Split('/');

        // reachable[j]: the pattern's segments so far can match the first j segments of the name.
        var reachable = new bool[names.Length + 1];
        reachable[0] = true;
        foreach (var segment in _segments)
        {
            var next = new bool[names.Length + 1];
            for (var j = 0; j <= names.Length; j++)
            {
                if (segment == AnyDepth)
                {
                    next[j] = reachable[j] || (j > 0 && next[j - 1]);
                }
                else
                {
                    next[j] = j > 0 && reachable[j - 1] && SegmentMatches(segment, names[j - 1]);
                }
            }

            reachable = next;
        }

        return reachable[names.Length];
    }

    public override string ToString() => Pattern;

    private static string? Check(string pattern)
    {
        if (pattern.Length == 0)
        {
            return "the repository pattern is empty";
        }

        if (pattern.Length > RepositoryName.MaxLength)
        {
            return $"the repository pattern is longer than {RepositoryName.MaxLength} characters";
        }

        foreach (var c in pattern)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' or '/' or '*'))
            {
                return char.IsAsciiLetterUpper(c)
                    ? $"the repository pattern '{pattern}' has an upper-case letter; repository names are lower case"
                    : $"the repository pattern has the character {Describe(c)}; names have only a-z, 0-9, '.', '_', '-' and '/' (with '*' and '**' as wildcards)";
            }
        }

        foreach (var segment in pattern.Split('/'))
        {
            if (segment.Length == 0)
            {
                return $"the repository pattern '{pattern}' has an empty path segment";
            }

            if (segment != AnyDepth && segment.Contains(AnyDepth, StringComparison.Ordinal))
            {
                return $"the repository pattern '{pattern}' has '**' inside the segment '{segment}'; '**' must be a whole segment (site/**)";
            }

            // Each * may stand for a letter, so the segment must be a valid name component when it does.
            if (segment != AnyDepth && !RepositoryName.IsValid(segment.Replace('*', 'a')))
            {
                return $"the segment '{segment}' of the repository pattern '{pattern}' matches no repository name " +
                       "(a segment starts and ends with a letter or digit; '.', '_', '__' or '-' only between them)";
            }
        }

        return null;
    }

    private static string Describe(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}'";

    /// <summary>A segment pattern with <c>*</c> (any run of characters, none included) against one name segment.</summary>
    private static bool SegmentMatches(string pattern, string name)
    {
        // The usual wildcard walk: on a mismatch, let the last * take one more character.
        int p = 0, n = 0, star = -1, starName = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                starName = n;
            }
            else if (p < pattern.Length && pattern[p] == name[n])
            {
                p++;
                n++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++starName;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
