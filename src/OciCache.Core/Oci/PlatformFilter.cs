namespace OciCache.Oci;

/// <summary>
/// Platform filters of prefetch, sync and export: <c>os/arch</c> or <c>os/arch/variant</c>. Here, below
/// every feature, so each selects platforms the same way without importing another.
/// </summary>
public static class PlatformFilter
{
    /// <summary>Whether <paramref name="filter"/> is <c>os/arch</c> or <c>os/arch/variant</c>, each part non-empty.</summary>
    public static bool IsValid(string? filter) =>
        filter is not null && filter.Split('/') is { Length: 2 or 3 } parts &&
        parts.All(p => p.Length > 0 && !p.Any(char.IsWhiteSpace));

    /// <summary>True when one of <paramref name="filters"/> matches; a filter without a variant matches every variant.</summary>
    public static bool Matches(Platform? platform, IReadOnlyList<string> filters)
    {
        if (platform is null)
        {
            return false;
        }

        foreach (var filter in filters)
        {
            var parts = filter.Split('/');
            if (parts.Length >= 2 && parts[0] == platform.Os && parts[1] == platform.Architecture &&
                (parts.Length == 2 || parts[2] == platform.Variant))
            {
                return true;
            }
        }

        return false;
    }
}
