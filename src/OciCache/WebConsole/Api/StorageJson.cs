using System.Text.Json;

namespace OciCache.WebConsole.Api;

/// <summary>The body of <c>/api/storage</c>.</summary>
internal static class StorageJson
{
    public static void Write(Utf8JsonWriter w, StorageData data, ConsoleViewer viewer)
    {
        w.WriteStartObject();
        ApiJson.Viewer(w, viewer);
        w.WriteNumber("storedBytes", data.StoredBytes);
        w.WriteNumber("cachedBytes", data.CachedBytes);
        w.WriteNumber("budgetBytes", data.BudgetBytes);
        w.WriteNumber("freeBytes", data.FreeBytes);
        w.WriteNumber("minFreeBytes", data.MinFreeBytes);
        w.WriteNumber("lowWaterPercent", data.LowWaterPercent);
        w.WriteStartObject("bytesByUpstream");
        foreach (var (upstream, bytes) in data.Origins.OnlyBy)
        {
            w.WriteNumber(upstream.Length == 0 ? "local" : upstream, bytes);
        }

        w.WriteEndObject();
        w.WriteNumber("sharedBytes", data.Origins.SharedBytes);
        w.WriteStartArray("largestImages");
        foreach (var image in data.Largest)
        {
            w.WriteStartObject();
            w.WriteString("repository", image.Repository);
            w.WriteString("digest", image.Digest.ToString());
            ApiJson.Strings(w, "tags", image.Tags);
            w.WriteNumber("bytes", image.Bytes);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("recentEvictions");
        foreach (var e in data.RecentEvictions)
        {
            w.WriteStartObject();
            ApiJson.Time(w, "at", e.At);
            ApiJson.String(w, "repository", e.Repository);
            w.WriteString("digest", e.Digest.ToString());
            ApiJson.Strings(w, "tags", e.Tags);
            w.WriteNumber("bytes", e.Bytes);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("nextInLine");
        foreach (var (c, bytes) in data.NextInLine)
        {
            w.WriteStartObject();
            ApiJson.String(w, "repository", c.Repository?.Name);
            w.WriteString("digest", c.Digest.ToString());
            ApiJson.Strings(w, "tags", c.Tags);
            ApiJson.Time(w, "lastAccess", c.LastAccess);
            w.WriteNumber("bytes", bytes);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("pins");
        foreach (var pin in data.ConfiguredPins)
        {
            w.WriteStartObject();
            w.WriteString("pattern", pin);
            w.WriteString("source", "settings");
            w.WriteEndObject();
        }

        foreach (var pin in data.RuntimePins)
        {
            w.WriteStartObject();
            w.WriteString("pattern", pin.Pattern);
            w.WriteString("source", "runtime");
            ApiJson.Time(w, "createdAt", pin.CreatedAt);
            ApiJson.String(w, "createdBy", pin.CreatedBy);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("quotas");
        foreach (var quota in data.Quotas)
        {
            w.WriteStartObject();
            w.WriteString("name", quota.Name);
            ApiJson.Strings(w, "repositories", quota.Repositories);
            w.WriteNumber("usedBytes", quota.UsedBytes);
            w.WriteNumber("maxBytes", quota.MaxBytes);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
