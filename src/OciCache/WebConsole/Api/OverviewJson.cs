using System.Text.Json;
using OciCache.Storage;

namespace OciCache.WebConsole.Api;

/// <summary>The bodies of <c>/api/overview</c> and <c>/api/history</c>.</summary>
internal static class OverviewJson
{
    public static void Write(Utf8JsonWriter w, OverviewData data, ConsoleViewer viewer)
    {
        w.WriteStartObject();
        ApiJson.Viewer(w, viewer);
        w.WriteBoolean("offline", data.Offline);
        w.WriteStartObject("server");
        w.WriteString("version", data.Version);
        ApiJson.Time(w, "startedAt", data.StartedAt);
        w.WriteNumber("uptimeSeconds", (long)data.Uptime.TotalSeconds);
        ApiJson.Time(w, "certificateNotAfter", data.CertificateNotAfter);
        w.WriteBoolean("accessControl", data.AccessControl);
        w.WriteBoolean("offline", data.Offline);
        w.WriteEndObject();
        w.WriteStartArray("upstreams");
        foreach (var u in data.Upstreams)
        {
            w.WriteStartObject();
            w.WriteString("name", u.Name);
            w.WriteString("url", u.Url);
            w.WriteString("state", u.State);
            ApiJson.Time(w, "lastSuccess", u.Health.LastSuccess);
            ApiJson.Time(w, "lastError", u.Health.LastError);
            ApiJson.String(w, "lastErrorReason", u.Health.LastErrorReason);
            w.WriteStartObject("rateLimit");
            ApiJson.Number(w, "remaining", u.RateLimitRemaining);
            ApiJson.Number(w, "limit", u.RateLimitLimit);
            ApiJson.Number(w, "windowSeconds", u.RateLimitWindow is { } window ? (long)window.TotalSeconds : null);
            w.WriteEndObject();
            w.WriteNumber("requests", u.Requests);
            w.WriteNumber("hits", u.Hits);
            w.WriteNumber("misses", u.Misses);
            if (u.HitRatio is { } ratio)
            {
                w.WriteNumber("hitRatio", Math.Round(ratio, 4));
            }
            else
            {
                w.WriteNull("hitRatio");
            }

            w.WriteNumber("servedBytes", u.ServedBytes);
            w.WriteNumber("fetchedBytes", u.FetchedBytes);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("fills");
        foreach (var f in data.Fills)
        {
            w.WriteStartObject();
            w.WriteString("digest", f.Digest);
            ApiJson.String(w, "repository", f.Repository);
            w.WriteString("phase", f.Phase);
            w.WriteNumber("receivedBytes", f.Received);
            ApiJson.Number(w, "totalBytes", f.Length);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteHistory(Utf8JsonWriter w, string range, TrafficResolution resolution, IReadOnlyList<TrafficBucket> buckets)
    {
        w.WriteStartObject();
        w.WriteString("range", range);
        w.WriteNumber("bucketSeconds", (int)resolution);
        w.WriteStartArray("buckets");
        foreach (var b in buckets)
        {
            w.WriteStartObject();
            ApiJson.Time(w, "start", b.Start);
            w.WriteString("upstream", b.Upstream);
            w.WriteNumber("hits", b.Hits);
            w.WriteNumber("misses", b.Misses);
            w.WriteNumber("servedBytes", b.ServedBytes);
            w.WriteNumber("fetchedBytes", b.FetchedBytes);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
