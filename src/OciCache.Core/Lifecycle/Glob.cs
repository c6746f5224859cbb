using System.Text.RegularExpressions;

namespace OciCache.Lifecycle;

/// <summary>A pattern where <c>*</c> stands for any characters (and nothing else is special).</summary>
public sealed class Glob(string pattern)
{
    private readonly Regex _regex = new(
        "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$",
        RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    public bool IsMatch(string value) => _regex.IsMatch(value);

    public override string ToString() => pattern;
}
