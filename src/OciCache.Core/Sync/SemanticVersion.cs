using System.Globalization;

namespace OciCache.Sync;

/// <summary>
/// A version tag: <c>[v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]</c>, missing parts 0 (image tags such as
/// <c>1.27</c> are versions too). Ordered by semver precedence (https://semver.org/#spec-item-11): numbers,
/// then a pre-release below its release, its identifiers compared numerically or by ordinal text; build
/// metadata ignored.
/// </summary>
public sealed record SemanticVersion(long Major, long Minor, long Patch, IReadOnlyList<string> PreRelease) : IComparable<SemanticVersion>
{
    public bool IsPreRelease => PreRelease.Count > 0;

    public static bool TryParse(string? text, out SemanticVersion version)
    {
        version = null!;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var rest = text[0] is 'v' or 'V' ? text[1..] : text;
        var plus = rest.IndexOf('+');
        if (plus >= 0)
        {
            if (!Identifiers(rest[(plus + 1)..], out _, allowLeadingZero: true))
            {
                return false;
            }

            rest = rest[..plus];
        }

        IReadOnlyList<string> pre = [];
        var dash = rest.IndexOf('-');
        if (dash >= 0)
        {
            if (!Identifiers(rest[(dash + 1)..], out var identifiers, allowLeadingZero: false))
            {
                return false;
            }

            pre = identifiers;
            rest = rest[..dash];
        }

        var parts = rest.Split('.');
        if (parts.Length is < 1 or > 3)
        {
            return false;
        }

        var numbers = new long[3];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!IsNumber(parts[i]) || !long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return false;
            }
        }

        version = new SemanticVersion(numbers[0], numbers[1], numbers[2], pre);
        return true;
    }

    public int CompareTo(SemanticVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byNumbers = (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));
        if (byNumbers != 0)
        {
            return byNumbers;
        }

        if (IsPreRelease != other.IsPreRelease)
        {
            return IsPreRelease ? -1 : 1; // 1.0.0-rc.1 < 1.0.0
        }

        for (var i = 0; i < Math.Min(PreRelease.Count, other.PreRelease.Count); i++)
        {
            var (a, b) = (PreRelease[i], other.PreRelease[i]);
            var (aNumeric, bNumeric) = (IsNumber(a), IsNumber(b));
            var order = aNumeric && bNumeric
                ? (a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b)) // no leading zeros: longer is larger
                : aNumeric != bNumeric ? (aNumeric ? -1 : 1) : string.CompareOrdinal(a, b);
            if (order != 0)
            {
                return Math.Sign(order);
            }
        }

        return PreRelease.Count.CompareTo(other.PreRelease.Count);
    }

    private static bool IsNumber(string part) =>
        part.Length > 0 && part.All(char.IsAsciiDigit) && (part.Length == 1 || part[0] != '0');

    private static bool Identifiers(string text, out string[] identifiers, bool allowLeadingZero)
    {
        identifiers = text.Split('.');
        return identifiers.All(i => i.Length > 0 && i.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') &&
                                    (allowLeadingZero || !i.All(char.IsAsciiDigit) || IsNumber(i)));
    }
}
