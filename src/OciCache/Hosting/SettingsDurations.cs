using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace OciCache.Hosting;

/// <summary>
/// Durations as people write them: the binder takes only <c>[d.]hh:mm:ss</c>, and says
/// "Failed to convert … to type 'System.TimeSpan'" for anything else. Every duration setting also takes a
/// whole number with a unit (<c>30s</c>, <c>10m</c>, <c>2h</c>, <c>1d</c>), rewritten here before binding;
/// a value in neither form is an error naming the key and both forms.
/// </summary>
internal static partial class SettingsDurations
{
    public const string Forms = "hh:mm:ss or d.hh:mm:ss (00:10:00), or a whole number with s, m, h or d (30s, 10m, 2h, 1d)";

    /// <summary>The duration keys of <paramref name="configuration"/> in a unit form, as the binder reads them.</summary>
    /// <exception cref="SettingsException">A duration in no known form.</exception>
    public static Dictionary<string, string?> Rewrite(IConfiguration configuration)
    {
        var rewritten = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var errors = new List<string>();
        Walk(configuration, SettingsShape.Root, rewritten, errors);
        return errors.Count == 0 ? rewritten : throw new SettingsException(errors);
    }

    /// <summary>Parses either form; false for anything else.</summary>
    public static bool TryParse(string value, out TimeSpan duration)
    {
        if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out duration))
        {
            return true;
        }

        var match = WithUnit().Match(value.Trim());
        if (!match.Success || !long.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var count))
        {
            return false;
        }

        try
        {
            duration = match.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(count),
                "m" => TimeSpan.FromMinutes(count),
                "h" => TimeSpan.FromHours(count),
                _ => TimeSpan.FromDays(count),
            };
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static void Walk(IConfiguration section, SettingsShape shape, Dictionary<string, string?> rewritten, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            var childShape = shape.Entry ?? (shape.Keys?.TryGetValue(child.Key, out var known) == true ? known : null);
            if (childShape is null)
            {
                continue; // unknown keys are UnknownKeys' to report
            }

            if (!ReferenceEquals(childShape, SettingsShape.Duration))
            {
                Walk(child, childShape, rewritten, errors);
            }
            else if (child.Value is { Length: > 0 } value && !TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _))
            {
                if (TryParse(value, out var duration))
                {
                    rewritten[child.Path] = duration.ToString("c", CultureInfo.InvariantCulture);
                }
                else
                {
                    errors.Add($"{child.Path}: '{value}' is not a duration; write {Forms}.");
                }
            }
        }
    }

    [GeneratedRegex("^([0-9]+)([smhd])$")]
    private static partial Regex WithUnit();
}
