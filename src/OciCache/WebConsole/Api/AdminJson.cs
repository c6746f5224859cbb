using System.Text.Json;
using OciCache.Auth;
using OciCache.Lifecycle;

namespace OciCache.WebConsole.Api;

/// <summary>The bodies of <c>/api/prefetch</c>, <c>/api/robots</c> and <c>/api/audit</c>.</summary>
internal static class AdminJson
{
    public static void WritePrefetch(Utf8JsonWriter w, PrefetchRuns runs, ConsoleViewer viewer)
    {
        w.WriteStartObject();
        ApiJson.Viewer(w, viewer);
        w.WriteStartArray("images");
        foreach (var image in runs.Options.Images)
        {
            w.WriteStartObject();
            w.WriteString("image", image.Image);
            ApiJson.Strings(w, "tags", image.Tags);
            ApiJson.Strings(w, "platforms", image.Platforms);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("schedule");
        w.WriteNumber("intervalSeconds", (long)runs.Options.Interval.TotalSeconds);
        w.WriteBoolean("runAtStart", runs.Options.RunAtStart);
        ApiJson.Time(w, "nextRun", runs.NextRunAt);
        w.WriteEndObject();
        w.WritePropertyName("running");
        WriteRun(w, runs.Running, runs.CurrentTally);
        w.WritePropertyName("lastRun");
        WriteRun(w, runs.Last, runs.Last?.Result);
        w.WriteEndObject();
    }

    public static void WriteRobots(Utf8JsonWriter w, IReadOnlyList<RobotAccount> robots, DateTimeOffset now, ConsoleViewer viewer)
    {
        w.WriteStartObject();
        ApiJson.Viewer(w, viewer);
        w.WriteStartArray("robots");
        foreach (var robot in robots)
        {
            WriteRobot(w, robot, now);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>A robot just created: the one answer that carries its secret.</summary>
    public static void WriteCreated(Utf8JsonWriter w, RobotAccount robot, string secret, DateTimeOffset now)
    {
        w.WriteStartObject();
        w.WritePropertyName("robot");
        WriteRobot(w, robot, now);
        w.WriteString("secret", secret);
        w.WriteString("note", "the secret is shown this once; only its SHA-256 is stored");
        w.WriteEndObject();
    }

    public static void WriteAudit(Utf8JsonWriter w, IReadOnlyList<AuditLine> lines, ConsoleViewer viewer)
    {
        w.WriteStartObject();
        ApiJson.Viewer(w, viewer);
        w.WriteStartArray("events");
        foreach (var line in lines)
        {
            w.WriteStartObject();
            ApiJson.Time(w, "time", new DateTimeOffset(DateTime.SpecifyKind(line.Time, DateTimeKind.Utc)));
            w.WriteString("action", line.Action);
            w.WriteString("result", line.Result);
            ApiJson.String(w, "who", line.Who);
            ApiJson.String(w, "source", line.Source);
            ApiJson.String(w, "repository", line.Repository);
            ApiJson.String(w, "reference", line.Reference);
            ApiJson.String(w, "digest", line.Digest);
            ApiJson.String(w, "detail", line.Detail);
            if (line.Count is { } count)
            {
                w.WriteNumber("count", count);
            }
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteRobot(Utf8JsonWriter w, RobotAccount robot, DateTimeOffset now)
    {
        w.WriteStartObject();
        w.WriteString("name", robot.Name);
        w.WriteString("userName", robot.UserName);
        ApiJson.Strings(w, "scopes", robot.Scopes.Select(s => s.ToString()));
        ApiJson.Time(w, "createdAt", robot.CreatedAt);
        ApiJson.Time(w, "expiresAt", robot.ExpiresAt);
        w.WriteBoolean("expired", robot.ExpiresAt is { } expires && now >= expires);
        w.WriteEndObject();
    }

    private static void WriteRun(Utf8JsonWriter w, PrefetchRunState? run, PrefetchResult? tally)
    {
        if (run is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        ApiJson.Time(w, "startedAt", run.StartedAt);
        w.WriteString("startedBy", run.StartedBy);
        ApiJson.Time(w, "finishedAt", run.FinishedAt);
        ApiJson.String(w, "error", run.Error);
        if (tally is not null)
        {
            w.WriteNumber("manifests", tally.Manifests);
            w.WriteNumber("blobsFetched", tally.BlobsFetched);
            w.WriteNumber("blobsPresent", tally.BlobsPresent);
            w.WriteNumber("bytesFetched", tally.BytesInFlight);
            ApiJson.Strings(w, "images", [.. tally.Images.ToArray()]);
            ApiJson.Strings(w, "failed", [.. tally.Failed.ToArray().Select(f => f.ToString())]);
        }

        w.WriteEndObject();
    }
}
