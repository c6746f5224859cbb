using System.Text.RegularExpressions;

namespace OciCache.Oci;

/// <summary>
/// A pattern over repository names: <c>*</c> stands for any characters within one path segment,
/// <c>**</c> for any characters across segments (<c>library/*</c> matches <c>library/nginx</c>, not
/// <c>library/a/b</c>; <c>bitnami/**</c> matches both). Nothing else is special. Matched against the whole
/// name (<c>\A…\z</c>: in .NET <c>$</c> also matches before a final <c>\n</c>).
/// </summary>
public sealed class RepositoryGlob
{
    private readonly Regex _regex;

    private RepositoryGlob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    public string Pattern { get; }

    /// <summary>False, with the reason, when the pattern holds characters no repository name has.</summary>
    public static bool TryParse(string pattern, out RepositoryGlob? glob, out string? error)
    {
        glob = null;
        if (pattern.Length == 0 || pattern.Length > RepositoryName.MaxLength)
        {
            error = "a repository pattern is 1 to 255 characters";
            return false;
        }

        // Each * stands in for name characters, so the pattern with them replaced must be a valid name.
        if (!RepositoryName.IsValid(pattern.Replace("**", "a", StringComparison.Ordinal).Replace("*", "a", StringComparison.Ordinal)))
        {
            error = $"'{pattern}' is not a repository name pattern (lowercase name segments separated by '/', with * or **)";
            return false;
        }

        var body = Regex.Escape(pattern)
            .Replace(@"\*\*", "\u0001", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
            .Replace("\u0001", ".*", StringComparison.Ordinal);
        glob = new RepositoryGlob(pattern, new Regex(@"\A" + body + @"\z",
            RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1)));
        error = null;
        return true;
    }

    public static RepositoryGlob Parse(string pattern) =>
        TryParse(pattern, out var glob, out var error) ? glob! : throw new FormatException(error);

    public bool IsMatch(string repository) => _regex.IsMatch(repository);

    public override string ToString() => Pattern;
}
