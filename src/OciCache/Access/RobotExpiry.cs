using System.Globalization;
using System.Text.RegularExpressions;

namespace OciCache.Access;

/// <summary>
/// The <c>--expires</c> of <c>ocicache robot add</c>: a duration from now (<c>90d</c>, <c>12h</c>), a day
/// (<c>2026-12-31</c>: the account expires as that day begins, 00:00 UTC), or an instant with its offset
/// (<c>2026-12-31T18:00:00Z</c>, <c>…+01:00</c>; none means UTC). It must lie in the future.
/// </summary>
internal static partial class RobotExpiry
{
    private const int MaxDays = 100 * 366;

    public static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset expiresAt, out string? error)
    {
        expiresAt = default;
        error = null;
        if (DurationPattern().Match(text) is { Success: true } match)
        {
            if (!int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count == 0 ||
                (match.Groups[2].Value == "d" ? count : count / 24) > MaxDays)
            {
                error = $"--expires: '{text}' is not a duration of 1 hour up to {MaxDays} days.";
                return false;
            }

            expiresAt = now + (match.Groups[2].Value == "d" ? TimeSpan.FromDays(count) : TimeSpan.FromHours(count));
            return true;
        }

        var styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (!DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, styles, out expiresAt) &&
            !DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK"], CultureInfo.InvariantCulture, styles, out expiresAt))
        {
            error = $"--expires: '{text}' is neither a duration (90d, 12h) nor a date (2026-12-31) or time (2026-12-31T18:00:00Z).";
            return false;
        }

        if (expiresAt <= now)
        {
            error = $"--expires: {Format(expiresAt)} has passed.";
            return false;
        }

        return true;
    }

    /// <summary>An instant as the robot commands print it: UTC, to the second (<c>2026-12-31T00:00:00Z</c>).</summary>
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\A([0-9]{1,6})([dh])\z", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
