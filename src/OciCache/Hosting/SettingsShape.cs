using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace OciCache.Hosting;

/// <summary>
/// One level of the settings tree, for finding keys that bind to nothing: a value (no keys below it), a
/// section whose keys are the settable properties of its record, or a map or list whose keys are any names
/// (<c>Upstreams:&lt;name&gt;</c>, <c>Aliases:0</c>) with one shape for every entry.
/// </summary>
/// <remarks>
/// Reflection only over record types named as type arguments, whose public properties
/// <see cref="DynamicallyAccessedMembersAttribute"/> keeps for trimming and Native AOT. A property of a
/// record type must therefore be given its shape explicitly; <see cref="Of{T}"/> throws when one is not,
/// so a new nested section cannot slip past the check.
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

    /// <summary>The keys of a section (case-insensitive, as configuration keys are), or null.</summary>
    public IReadOnlyDictionary<string, SettingsShape>? Keys { get; }

    /// <summary>The shape of every entry of a map or list, or null.</summary>
    public SettingsShape? Entry { get; }

    /// <param name="nested">The shapes of the properties that are records, or lists or maps of records.</param>
    public static SettingsShape Of<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(
        params (string Key, SettingsShape Shape)[] nested)
    {
        var given = nested.ToDictionary(n => n.Key, n => n.Shape, StringComparer.OrdinalIgnoreCase);
        var keys = new Dictionary<string, SettingsShape>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            keys[property.Name] = given.Remove(property.Name, out var shape)
                ? shape
                : Infer(property.PropertyType) ?? throw new InvalidOperationException(
                    $"{typeof(T).Name}.{property.Name} is a {property.PropertyType.Name}: give its shape to {nameof(SettingsShape)}.{nameof(Of)}.");
        }

        return given.Count == 0
            ? new SettingsShape(keys, null)
            : throw new InvalidOperationException($"{typeof(T).Name} has no settable property {given.Keys.First()}.");
    }

    /// <summary>A dictionary or list: the binder takes every child, whatever its name.</summary>
    public static SettingsShape EntriesOf(SettingsShape entry) => new(null, entry);

    /// <summary>Values, and lists or maps of values; null for anything that has keys of its own.</summary>
    private static SettingsShape? Infer(Type type)
    {
        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(TimeSpan))
        {
            return Duration;
        }

        if (IsValue(type))
        {
            return Value;
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var arguments = type.GetGenericArguments();
            if ((definition == typeof(List<>) && IsValue(arguments[0])) || (definition == typeof(Dictionary<,>) && IsValue(arguments[1])))
            {
                return EntriesOf(Value);
            }
        }

        return null;
    }

    private static bool IsValue(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) ||
               type == typeof(TimeSpan) || type == typeof(DateTimeOffset) || type == typeof(Uri);
    }
}
