namespace OciCache.Sync;

/// <summary>
/// A version range: space-separated comparators that must all hold, each <c>&gt;</c>, <c>&gt;=</c>,
/// <c>&lt;</c>, <c>&lt;=</c> or <c>=</c> (or none, meaning <c>=</c>) before a <see cref="SemanticVersion"/>
/// (<c>&gt;=1.4 &lt;2</c>, <c>&gt;=v2.0.0-rc.1</c>). A tag that is no version never matches. A pre-release
/// tag matches only when a comparator names a pre-release, as npm and Masterminds/semver do: <c>&gt;=1.4</c>
/// does not take <c>1.5.0-rc.1</c>.
/// </summary>
public sealed class SemverRange
{
    private readonly List<(string Operator, SemanticVersion Version)> _comparators;

    private SemverRange(List<(string, SemanticVersion)> comparators)
    {
        _comparators = comparators;
    }

    public static bool TryParse(string? text, out SemverRange range, out string? error)
    {
        range = null!;
        var comparators = new List<(string, SemanticVersion)>();
        foreach (var part in (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var op = part.StartsWith(">=", StringComparison.Ordinal) || part.StartsWith("<=", StringComparison.Ordinal) ? part[..2]
                : part[0] is '>' or '<' or '=' ? part[..1] : "";
            if (!SemanticVersion.TryParse(part[op.Length..], out var version))
            {
                error = $"'{part}' is not a comparator (>, >=, <, <= or = before a version such as 1.4 or v2.0.1)";
                return false;
            }

            comparators.Add((op.Length == 0 ? "=" : op, version));
        }

        if (comparators.Count == 0)
        {
            error = "a semver range needs at least one comparator, e.g. >=1.4 <2";
            return false;
        }

        range = new SemverRange(comparators);
        error = null;
        return true;
    }

    public bool IsMatch(string tag)
    {
        if (!SemanticVersion.TryParse(tag, out var version) ||
            (version.IsPreRelease && !_comparators.Any(c => c.Version.IsPreRelease)))
        {
            return false;
        }

        foreach (var (op, bound) in _comparators)
        {
            var order = version.CompareTo(bound);
            var holds = op switch
            {
                ">" => order > 0,
                ">=" => order >= 0,
                "<" => order < 0,
                "<=" => order <= 0,
                _ => order == 0,
            };
            if (!holds)
            {
                return false;
            }
        }

        return true;
    }
}
