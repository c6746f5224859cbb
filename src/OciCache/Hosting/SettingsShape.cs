using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using OciCache.Settings;

namespace OciCache.Hosting;

/// <summary>
/// One level of the settings tree, for finding keys that bind to nothing: a value (no keys below it), a
/// section whose keys are the settable properties of its record, or a map or list whose keys are any names
/// (<c>Upstreams:&lt;name&gt;</c>, <c>Aliases:0</c>) with one shape for every entry. The whole tree is read
/// from the options records themselves (<see cref="Root"/>), so a new property is a known key at once.
/// </summary>
/// <remarks>
/// Reflection only over records that implement <see cref="ISettingsSection"/>, whose
/// <see cref="DynamicallyAccessedMembersAttribute"/> keeps the public properties of every implementation for
/// trimming and Native AOT. A property of any other kind than a value, a section, or a list or map of those
/// makes <see cref="Of{T}"/> throw, so a new nested record cannot slip past the check unmarked.
/// </remarks>
internal sealed class SettingsShape
{
    public static readonly SettingsShape Value = new(null, null);

    /// <summary>A <see cref="TimeSpan"/> value, which <see cref="SettingsDurations"/> also accepts as <c>10m</c>.</summary>
    public static readonly SettingsShape Duration = new(null, null);

    private SettingsShape(IReadOnlyDictionary<string, SettingsShape>? keys, SettingsShape? entry)
    {
        Keys = keys;
        Entry = entry;
    }

    /// <summary>The shape of <see cref="OciCacheSettings"/>: every key of <c>ocicache serve</c>.</summary>
    public static SettingsShape Root { get; } = Of<OciCacheSettings>();

    /// <summary>The keys of a section (case-insensitive, as configuration keys are), or null.</summary>
    public IReadOnlyDictionary<string, SettingsShape>? Keys { get; }

    /// <summary>The shape of every entry of a map or list, or null.</summary>
    public SettingsShape? Entry { get; }

    public static SettingsShape Of<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>()
        where T : ISettingsSection => Section(typeof(T));

    /// <summary>A dictionary or list: the binder takes every child, whatever its name.</summary>
    public static SettingsShape EntriesOf(SettingsShape entry) => new(null, entry);

    /// <summary>Every key below the root, as the configuration names it (<c>Cache:TagRevalidateInterval</c>); map and list entries as <c>*</c>.</summary>
    public IEnumerable<string> Paths(string? path = null)
    {
        if (Entry is { } entry)
        {
            return entry.Paths($"{path}:*");
        }

        return Keys is null
            ? [path!]
            : Keys.SelectMany(k => k.Value.Paths(path is null ? k.Key : $"{path}:{k.Key}"));
    }

    private const string SectionsKeepTheirProperties =
        "Only types that implement ISettingsSection are walked; its DynamicallyAccessedMembers keeps their public properties.";

    private static SettingsShape Section([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type)
    {
        var keys = new Dictionary<string, SettingsShape>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            keys[property.Name] = Infer(property.PropertyType) ?? throw new InvalidOperationException(
                $"{type.Name}.{property.Name} is a {property.PropertyType.Name}: a value, an {nameof(ISettingsSection)}, or a list or map of those.");
        }

        return new SettingsShape(keys, null);
    }

    /// <summary>Values, sections, and lists or maps of those; null for anything else.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = SectionsKeepTheirProperties)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = SectionsKeepTheirProperties)]
    private static SettingsShape? Infer(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(TimeSpan))
        {
            return Duration;
        }

        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTimeOffset) || type == typeof(Uri))
        {
            return Value;
        }

        if (typeof(ISettingsSection).IsAssignableFrom(type))
        {
            return Section(type);
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var arguments = type.GetGenericArguments();
            var entry = definition == typeof(List<>) ? arguments[0] : definition == typeof(Dictionary<,>) && arguments[0] == typeof(string) ? arguments[1] : null;
            if (entry is not null && Infer(entry) is { } shape)
            {
                return EntriesOf(shape);
            }
        }

        return null;
    }
}
