using System.Text.RegularExpressions;
using OciCache.Oci;

namespace OciCache.Sync;

/// <summary>Which tags of a repository a sync job copies: a regex over the whole tag, a semver range, or every tag.</summary>
public sealed class TagFilter
{
    private readonly Regex? _regex;
    private readonly SemverRange? _range;

    private TagFilter(Regex? regex, SemverRange? range)
    {
        _regex = regex;
        _range = range;
    }

    /// <summary>False, with the reason, for a bad regex or range or when both are set.</summary>
    public static bool TryCreate(SyncTagFilter settings, out TagFilter filter, out string? error)
    {
        filter = null!;
        error = null;
        if (settings.Regex is { Length: > 0 } && settings.Semver is { Length: > 0 })
        {
            error = "set Regex or Semver, not both";
            return false;
        }

        if (settings.Semver is { Length: > 0 } semver)
        {
            if (!SemverRange.TryParse(semver, out var range, out error))
            {
                return false;
            }

            filter = new TagFilter(null, range);
            return true;
        }

        if (settings.Regex is { Length: > 0 } pattern)
        {
            try
            {
                filter = new TagFilter(new Regex($@"\A(?:{pattern})\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), null);
                return true;
            }
            catch (ArgumentException e)
            {
                error = $"'{pattern}' is not a regular expression: {e.Message}";
                return false;
            }
        }

        filter = new TagFilter(null, null);
        return true;
    }

    /// <summary>True for a valid tag the filter takes. Cosign's signature tags are referrers, never images of their own.</summary>
    public bool IsMatch(string tag) =>
        RepositoryName.IsValidTag(tag) && !ReferrerTags.IsReferrerTag(tag) &&
        (_regex?.IsMatch(tag) ?? _range?.IsMatch(tag) ?? true);
}
