using System.Text.Json;

namespace OciCache.WebConsole.Api;

/// <summary>Small helpers for the API's Utf8JsonWriter bodies: times as ISO 8601 UTC, absent values as null.</summary>
internal static class ApiJson
{
    public static void Time(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            w.WriteString(name, t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    public static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    public static void String(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    public static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    /// <summary>What every answer says about who asked: access control on or off, the identity, admin or not.</summary>
    public static void Viewer(Utf8JsonWriter w, ConsoleViewer viewer)
    {
        w.WriteStartObject("viewer");
        w.WriteBoolean("accessControl", viewer.AccessControl);
        w.WriteBoolean("readOnly", viewer.ReadOnly);
        String(w, "who", viewer.Caller.Identity?.Name);
        w.WriteBoolean("admin", viewer.IsAdmin);
        w.WriteEndObject();
    }
}
