using System.Diagnostics.CodeAnalysis;

namespace OciCache.Oci;

/// <summary>
/// The one pattern over repository names, used by pins, access policies, robot scopes, upstream
/// <c>Allow</c>/<c>Deny</c> rules and sync jobs. The name is matched segment by segment (<c>/</c> separates
/// segments), always whole, case-sensitively:
/// <list type="bullet">
/// <item><c>*</c> stands for any characters within one segment, none included, never a <c>/</c>
/// (<c>site/*</c>: <c>site/app</c>, not <c>site/team/app</c>; <c>team-*/app</c>).</item>
/// <item>A segment that is exactly <c>**</c> stands for any number of whole segments, none included
/// (<c>site/**</c>: <c>site</c> and everything below it; <c>a/**/z</c>: <c>a/z</c>, <c>a/b/c/z</c>; <c>**</c>
/// alone: every repository).</item>
/// <item>Every other character stands for itself. There is no <c>?</c> and there are no character classes:
/// <c>?</c>, <c>[</c> and <c>{</c> are no name characters, so a pattern with them is refused.</item>
/// </list>
/// Where the pattern carries a tag (<see cref="TryParseWithTag"/>, <c>library/nginx:1.*</c>), the part after
/// the first <c>:</c> is a <see cref="TagPattern"/>. A name that is not a valid repository name matches no pattern.
/// </summary>
/// <remarks>
/// Compiled once at parse; <see cref="IsMatch(string)"/> allocates nothing (access checks run it per
/// request) and uses no regular expression: linear in the name for each <c>**</c>, no timeout to tune.
/// </remarks>
public sealed class RepositoryPattern
{
    private const string AnyDepth = "**";

    private readonly string[] _segments;

    private RepositoryPattern(string text, string repository, string[] segments, TagPattern? tag)
    {
        Text = text;
        Repository = repository;
        _segments = segments;
        Tag = tag;
    }

    /// <summary>The pattern as written, with its tag part.</summary>
    public string Text { get; }

    /// <summary>The repository part as written.</summary>
    public string Repository { get; }

    /// <summary>The tag part; null when the pattern has none (it then covers every reference).</summary>
    public TagPattern? Tag { get; }

    /// <summary>
    /// Parses a repository pattern without a tag part; false with a reason when it has an empty segment, a
    /// character no repository name has (upper case, a space, <c>:</c>, a control character), <c>**</c>
    /// inside a segment, or a segment no name could match (<c>-site</c>, <c>site_</c>, <c>a..b</c>).
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out RepositoryPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        pattern = null;
        error = RepositoryPatternSyntax.Check(text);
        if (error is not null)
        {
            return false;
        }

        pattern = new RepositoryPattern(text, text, Compile(text), null);
        return true;
    }

    /// <summary>
    /// Parses <c>REPOSITORY[:TAG]</c>: the repository part as <see cref="TryParse"/> takes it, the part after
    /// the first <c>:</c> as <see cref="TagPattern.TryParse"/> does.
    /// </summary>
    public static bool TryParseWithTag(string text, [NotNullWhen(true)] out RepositoryPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        pattern = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var repository = colon < 0 ? text : text[..colon];
        error = RepositoryPatternSyntax.Check(repository);
        if (error is not null)
        {
            return false;
        }

        TagPattern? tag = null;
        if (colon >= 0 && !TagPattern.TryParse(text[(colon + 1)..], out tag, out error))
        {
            return false;
        }

        pattern = new RepositoryPattern(text, repository, Compile(repository), tag);
        return true;
    }

    /// <exception cref="FormatException">The pattern does not parse (settings are checked at start, so this is a bug).</exception>
    public static RepositoryPattern Parse(string text) =>
        TryParse(text, out var pattern, out var error) ? pattern : throw new FormatException(error);

    /// <summary>Whether the repository part covers <paramref name="repository"/>, whatever the tag part says.</summary>
    public bool IsMatch(string repository) => RepositoryName.IsValid(repository) && MatchSegments(repository);

    /// <summary>Whether the pattern covers this tag of this repository; a pattern without a tag part covers every tag.</summary>
    public bool IsMatch(string repository, string tag) => IsMatch(repository) && (Tag is null || Tag.IsMatch(tag));

    public override string ToString() => Text;

    /// <summary>The segments, with consecutive <c>**</c> made one: the same names, and no repeated work in a match.</summary>
    private static string[] Compile(string repository)
    {
        var segments = new List<string>();
        foreach (var segment in repository.Split('/'))
        {
            if (!(segment == AnyDepth && segments.Count > 0 && segments[^1] == AnyDepth))
            {
                segments.Add(segment);
            }
        }

        return [.. segments];
    }

    /// <summary>
    /// The wildcard walk of <see cref="Wildcard"/> one level up, over segments: on a mismatch the last
    /// <c>**</c> takes one more whole segment. <paramref name="name"/> is valid, so no segment is empty.
    /// </summary>
    private bool MatchSegments(ReadOnlySpan<char> name)
    {
        var end = name.Length + 1; // the start of the segment after the last
        int p = 0, n = 0, star = -1, starName = 0;
        while (n < end)
        {
            if (p < _segments.Length && _segments[p] == AnyDepth)
            {
                star = p++;
                starName = n;
            }
            else if (p < _segments.Length && Wildcard.IsMatch(_segments[p], name[n..SegmentEnd(name, n)]))
            {
                n = SegmentEnd(name, n) + 1;
                p++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = starName = SegmentEnd(name, starName) + 1;
            }
            else
            {
                return false;
            }
        }

        while (p < _segments.Length && _segments[p] == AnyDepth)
        {
            p++;
        }

        return p == _segments.Length;
    }

    private static int SegmentEnd(ReadOnlySpan<char> name, int start) =>
        name[start..].IndexOf('/') is var slash and >= 0 ? start + slash : name.Length;
}
