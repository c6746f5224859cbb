using Microsoft.Extensions.Configuration;

namespace OciCache.Hosting;

/// <summary>
/// Finds configuration keys that name no setting. The binder skips them, so a typo such as
/// <c>Storage:MaxCacheByte</c> would start the server silently with the default; each one is reported with
/// the known key of its section nearest to it (fewest single-character edits, ignoring case). The known keys
/// are those of the options records (<see cref="SettingsShape.Root"/>): no list of them is kept by hand.
/// </summary>
internal static class UnknownKeys
{
    /// <summary>Every key of <paramref name="configuration"/> that binds to nothing, with the nearest that would.</summary>
    public static List<(string Key, string Nearest)> FindUnknown(IConfiguration configuration)
    {
        var unknown = new List<(string Key, string Nearest)>();
        Walk(configuration, SettingsShape.Root, null, unknown);
        return unknown;
    }

    private static void Walk(IConfiguration section, SettingsShape shape, string? path, List<(string Key, string Nearest)> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            var key = path is null ? child.Key : $"{path}:{child.Key}";
            if (shape.Entry is { } entry)
            {
                Walk(child, entry, key, unknown);
            }
            else if (shape.Keys is not { } keys)
            {
                unknown.Add((key, path!)); // below a value: the nearest key is the value's own
            }
            else if (keys.TryGetValue(child.Key, out var known))
            {
                Walk(child, known, key, unknown);
            }
            else
            {
                var nearest = keys.Keys.MinBy(k => Distance(child.Key, k))!;
                unknown.Add((key, path is null ? nearest : $"{path}:{nearest}"));
            }
        }
    }

    /// <summary>Levenshtein distance, ignoring case as configuration keys do.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
