using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OciCache.Settings;
using OciCache.Telemetry;

namespace OciCache.Hosting;

/// <summary>
/// The settings in effect as <c>KEY = VALUE</c> lines, one per setting, keys as in the configuration file
/// (<c>Cache:TagRevalidateInterval = 00:10:00</c>), defaults included. Secrets are never printed: a key
/// named like a password, secret, token, API key or connection string shows <c>***</c>, and a URL's user
/// info password is redacted.
/// </summary>
internal static class EffectiveSettings
{
    public const string Hidden = "***";

    private static readonly string[] SecretNames = ["password", "secret", "token", "apikey", "connectionstring", "privatekey"];

    public static IReadOnlyList<string> Lines(OciCacheSettings settings)
    {
        var effective = settings with { Upstreams = new(settings.EffectiveUpstreams, StringComparer.OrdinalIgnoreCase) };
        using var json = JsonSerializer.SerializeToDocument(effective, EffectiveSettingsContext.Default.OciCacheSettings);
        var lines = new List<string>();
        Walk(json.RootElement, SettingsShape.Root, null, lines);
        return lines;
    }

    /// <summary>Only keys the schema knows: computed properties (<c>Tls:Enabled</c>) are no settings.</summary>
    private static void Walk(JsonElement element, SettingsShape shape, string? path, List<string> lines)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            lines.Add($"{path} = (not set)");
            return;
        }

        if (shape.Keys is null && shape.Entry is null)
        {
            lines.Add($"{path} = {Show(path!, element)}");
            return;
        }

        if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                Walk(item, shape.Entry!, $"{path}:{index++.ToString(CultureInfo.InvariantCulture)}", lines);
            }

            if (index == 0)
            {
                lines.Add($"{path} = []");
            }

            return;
        }

        var any = false;
        foreach (var property in element.EnumerateObject())
        {
            var known = shape.Entry ?? (shape.Keys!.TryGetValue(property.Name, out var child) ? child : null);
            if (known is not null)
            {
                any = true;
                Walk(property.Value, known, path is null ? property.Name : $"{path}:{property.Name}", lines);
            }
        }

        if (!any && path is not null)
        {
            lines.Add($"{path} = {{}}");
        }
    }

    private static string Show(string path, JsonElement value)
    {
        var leaf = path[(path.LastIndexOf(':') + 1)..];
        if (SecretNames.Any(s => leaf.Contains(s, StringComparison.OrdinalIgnoreCase)))
        {
            return value.ValueKind == JsonValueKind.String && value.GetString() is "" ? "" : Hidden;
        }

        return value.ValueKind == JsonValueKind.String ? UrlRedaction.Redact(value.GetString()) : value.GetRawText();
    }
}

[JsonSerializable(typeof(OciCacheSettings))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class EffectiveSettingsContext : JsonSerializerContext;
