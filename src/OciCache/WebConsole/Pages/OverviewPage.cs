using OciCache.Storage;

namespace OciCache.WebConsole.Pages;

/// <summary>Overview: each upstream's state, last answer and error, rate limit, hit ratio and bytes saved; fills in flight; the history charts.</summary>
internal static class OverviewPage
{
    public static string Render(OverviewData data, IReadOnlyList<TrafficBucket> minutes, IReadOnlyList<TrafficBucket> hours, DateTimeOffset now, ConsoleViewer viewer)
    {
        var html = new Html();
        if (data.Offline)
        {
            html.Raw("<p class=\"notice warn\">").Text("Offline: no upstream is contacted; cached content is served as it is.").Raw("</p>");
        }

        html.Raw("<section class=\"card wide\"><h2>Server</h2><dl>")
            .Element("dt", "Version").Element("dd", data.Version)
            .Element("dt", "Up for").Element("dd", $"{Uptime(data.Uptime)} (since {Html.Time(data.StartedAt)})")
            .Element("dt", "TLS certificate").Element("dd", data.CertificateNotAfter is { } notAfter
                ? $"expires {Html.Time(notAfter)} (in {(int)Math.Floor((notAfter - now).TotalDays)} days)"
                : "none (plain HTTP)")
            .Element("dt", "Access control").Element("dd", data.AccessControl ? "on" : "off: anyone who reaches the port may push and delete")
            .Element("dt", "Cache").Element("dd", data.Offline ? "offline (Cache:Offline): no upstream is contacted" : "online")
            .Raw("</dl></section>");
        html.Raw("<div class=\"cards\" data-refresh=\"/api/overview\">");
        foreach (var u in data.Upstreams)
        {
            html.Raw($"<section class=\"card\" data-upstream=\"{Html.Attr(u.Name)}\"><h2>").Text(u.Name)
                .Raw($" <span class=\"state {Html.Attr(u.State)}\" data-field=\"state\">").Text(u.State).Raw("</span></h2>")
                .Element("p", u.Url, "url")
                .Raw("<dl>");
            Field(html, "Requests to upstream", "requests", Html.Number(u.Requests));
            Field(html, "Hits", "hits", Html.Number(u.Hits));
            Field(html, "Misses", "misses", Html.Number(u.Misses));
            Field(html, "Hit ratio", "hitRatio", Html.Percent(u.HitRatio));
            Field(html, "Served from cache", "servedBytes", Html.Bytes(u.ServedBytes));
            Field(html, "Fetched upstream", "fetchedBytes", Html.Bytes(u.FetchedBytes));
            Field(html, "Last success", "lastSuccess", Html.Time(u.Health.LastSuccess));
            Field(html, "Last error", "lastError", u.Health.LastError is null ? "none" : $"{Html.Time(u.Health.LastError)}: {u.Health.LastErrorReason}");
            Field(html, "Rate limit", "rateLimit", u.RateLimitRemaining is { } remaining
                ? $"{remaining} of {u.RateLimitLimit?.ToString() ?? "?"} left" + (u.RateLimitWindow is { } w ? $", renews over {w.TotalHours:0.#} h" : "")
                : "not reported");
            html.Raw("</dl></section>");
        }

        html.Raw("</div>");
        if (data.Upstreams.Count == 0)
        {
            html.Element("p", "No upstream is configured: this is a local registry only.");
        }

        html.Element("h2", "Fills in flight");
        if (data.Fills.Count == 0)
        {
            html.Element("p", "None right now.", "muted");
        }
        else
        {
            html.Raw("<div class=\"table\"><table>").Head("Digest", "Repository", "Phase", "Progress").Raw("<tbody>");
            foreach (var f in data.Fills)
            {
                html.Row(f.Digest, f.Repository, f.Phase, f.Length is { } length and > 0
                    ? $"{Html.Bytes(f.Received)} of {Html.Bytes(length)} ({100.0 * f.Received / length:0} %)"
                    : Html.Bytes(f.Received));
            }

            html.Raw("</tbody></table></div>");
        }

        html.Element("h2", "Traffic");
        HistoryChart.Render(html, "Last 24 hours", TrafficResolution.Minute, minutes, now);
        HistoryChart.Render(html, "Last 7 days", TrafficResolution.Hour, hours, now);
        return ConsoleLayout.Render("Overview", "/ui/overview", viewer, html);
    }

    /// <summary><c>3 d 4 h</c>, <c>1 h 30 min</c>, <c>12 min</c>.</summary>
    private static string Uptime(TimeSpan uptime) =>
        uptime.TotalDays >= 1 ? $"{(int)uptime.TotalDays} d {uptime.Hours} h"
        : uptime.TotalHours >= 1 ? $"{(int)uptime.TotalHours} h {uptime.Minutes} min"
        : $"{(int)uptime.TotalMinutes} min";

    private static void Field(Html html, string label, string field, string value) =>
        html.Element("dt", label).Raw($"<dd data-field=\"{field}\">").Text(value).Raw("</dd>");
}
