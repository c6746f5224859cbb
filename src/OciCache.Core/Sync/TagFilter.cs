using System.Text.RegularExpressions;
using OciCache.Oci;

namespace OciCache.Sync;

/// <summary>Which tags of a repository a sync job copies: a regex over the whole tag, a semver range, or every tag.</summary>
public sealed class TagFilter
{
    private readonly Regex? _regex;
    private readonly SemverRange? _range;

    /// <summary>How long one tag's match may take before it counts as no match (a pattern that backtracks badly).</summary>
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private TagFilter(Regex? regex, SemverRange? range, string? pattern)
    {
        _regex = regex;
        _range = range;
        Pattern = pattern;
    }

    /// <summary>The configured regular expression, or null.</summary>
    public string? Pattern { get; }

    /// <summary>Tags whose match ran out of time (each counted as no match).</summary>
    public int Timeouts => Volatile.Read(ref _timeouts);

    private int _timeouts;

    /// <summary>False, with the reason, for a bad regex or range or when both are set.</summary>
    public static bool TryCreate(SyncTagFilter settings, out TagFilter filter, out string? error, TimeSpan? matchTimeout = null)
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

            filter = new TagFilter(null, range, null);
            return true;
        }

        if (settings.Regex is { Length: > 0 } pattern)
        {
            try
            {
                filter = new TagFilter(new Regex($@"\A(?:{pattern})\z", RegexOptions.CultureInvariant, matchTimeout ?? MatchTimeout), null, pattern);
                return true;
            }
            catch (ArgumentException e)
            {
                error = $"'{pattern}' is not a regular expression: {e.Message}";
                return false;
            }
        }

        filter = new TagFilter(null, null, null);
        return true;
    }

    /// <summary>True for a valid tag the filter takes. Cosign's signature tags are referrers, never images of their own.</summary>
    public bool IsMatch(string tag) =>
        RepositoryName.IsValidTag(tag) && !ReferrerTags.IsReferrerTag(tag) &&
        (_regex is null ? _range?.IsMatch(tag) ?? true : RegexMatch(tag));

    /// <summary>A match that runs out of time counts as no match: one hostile or unlucky tag must not end the run.</summary>
    private bool RegexMatch(string tag)
    {
        try
        {
            return _regex!.IsMatch(tag);
        }
        catch (RegexMatchTimeoutException)
        {
            Interlocked.Increment(ref _timeouts);
            return false;
        }
    }
}
