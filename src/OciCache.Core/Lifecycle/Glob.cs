using System.Text.RegularExpressions;

namespace OciCache.Lifecycle;

/// <summary>
/// A pattern where <c>*</c> stands for any characters (and nothing else is special), matched against the
/// whole value: <c>\A…\z</c>, since in .NET <c>$</c> also matches before a final <c>\n</c>.
/// </summary>
public sealed class Glob(string pattern)
{
    private readonly Regex _regex = new(
        @"\A" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + @"\z",
        RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));

    public bool IsMatch(string value) => _regex.IsMatch(value);

    public override string ToString() => pattern;
}
