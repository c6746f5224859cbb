using System.Text.Json;
using OciCache.Storage;

namespace OciCache.WebConsole.Api;

/// <summary>The bodies of <c>/api/repositories</c> and <c>/api/repositories/{name}/tags</c>.</summary>
internal static class RepositoryJson
{
    public static void WritePage(Utf8JsonWriter w, RepositoryPage page, ConsoleViewer viewer)
    {
        w.WriteStartObject();
        ApiJson.Viewer(w, viewer);
        w.WriteStartArray("repositories");
        foreach (var r in page.Repositories)
        {
            WriteRepository(w, r);
        }

        w.WriteEndArray();
        ApiJson.String(w, "next", page.Next);
        w.WriteEndObject();
    }

    public static void WriteTags(Utf8JsonWriter w, RepositoryTags tags, PullCommands commands, ConsoleViewer viewer)
    {
        w.WriteStartObject();
        ApiJson.Viewer(w, viewer);
        w.WritePropertyName("repository");
        WriteRepository(w, tags.Repository);
        w.WriteString("caHint", commands.CaHint);
        w.WriteStartArray("tags");
        foreach (var tag in tags.Tags)
        {
            var row = tag.Row;
            w.WriteStartObject();
            w.WriteString("tag", row.Tag);
            w.WriteString("digest", row.Digest.ToString());
            w.WriteString("mediaType", row.MediaType);
            w.WriteNumber("bytes", row.Bytes);
            ApiJson.Strings(w, "platforms", tag.Platforms);
            ApiJson.Time(w, "updatedAt", row.UpdatedAt);
            ApiJson.Time(w, "lastPulled", row.LastPulled);
            w.WriteNumber("pullCount", row.Pulls);
            if (tag.Signature is { } signature)
            {
                w.WriteString("signature", signature); // only in repositories a signature rule covers
            }

            w.WriteStartArray("referrers");
            foreach (var referrer in tag.Referrers)
            {
                w.WriteStartObject();
                w.WriteString("digest", referrer.Digest.ToString());
                w.WriteString("mediaType", referrer.MediaType);
                ApiJson.String(w, "artifactType", referrer.ArtifactType);
                w.WriteString("badge", PullCommands.Badge(referrer.ArtifactType));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("pull");
            foreach (var (client, command) in commands.For(tags.Repository, row.Tag))
            {
                w.WriteString(client, command);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteRepository(Utf8JsonWriter w, RepositoryRow r)
    {
        w.WriteStartObject();
        w.WriteString("name", r.Name);
        ApiJson.String(w, "upstream", r.Upstream);
        w.WriteString("kind", r.Upstream is null ? "local" : "mirror");
        w.WriteNumber("tags", r.Tags);
        w.WriteNumber("bytes", r.Bytes);
        ApiJson.Time(w, "updatedAt", r.UpdatedAt);
        w.WriteEndObject();
    }
}
