using OciCache.Lifecycle;

namespace OciCache.WebConsole.Pages;

/// <summary>Pre-fetch: the configured images, the schedule, the running run's progress, the last run's result and errors.</summary>
internal static class PrefetchPage
{
    public static string Render(PrefetchRuns runs, ConsoleViewer viewer)
    {
        var html = new Html();
        var options = runs.Options;
        html.Raw("<section class=\"card wide\"><h2>Schedule</h2><dl>")
            .Element("dt", "Interval").Element("dd", options.Interval > TimeSpan.Zero ? options.Interval.ToString() : "once at start")
            .Element("dt", "At start").Element("dd", options.RunAtStart ? "yes" : "no")
            .Element("dt", "Next run").Element("dd", runs.NextRunAt is { } next ? Html.Time(next) : options.Images.Count == 0 ? "none (no images)" : "–")
            .Raw("</dl>");
        if (viewer is { IsAdmin: true, CsrfToken: not null } && options.Images.Count > 0)
        {
            html.Raw("<form class=\"api\" data-method=\"POST\" data-action=\"/api/prefetch/run\"><button>Run now</button></form>");
        }

        html.Raw("</section>");
        html.Element("h2", "Images").Raw("<div class=\"table\"><table>").Head("Image", "Tags", "Platforms").Raw("<tbody>");
        foreach (var image in options.Images)
        {
            html.Row(image.Image, image.Tags.Count == 0 ? "latest" : string.Join(", ", image.Tags), image.Platforms.Count == 0 ? "all" : string.Join(", ", image.Platforms));
        }

        html.Raw("</tbody></table></div>");
        if (options.Images.Count == 0)
        {
            html.Element("p", "Prefetch:Images is empty.", "muted");
        }

        Run(html, "Running now", runs.Running, runs.CurrentTally);
        Run(html, "Last run", runs.Last, runs.Last?.Result);
        return ConsoleLayout.Render("Pre-fetch", "/ui/prefetch", viewer, html);
    }

    private static void Run(Html html, string title, PrefetchRunState? run, PrefetchResult? tally)
    {
        html.Element("h2", title);
        if (run is null)
        {
            html.Element("p", "None.", "muted");
            return;
        }

        html.Raw("<dl>")
            .Element("dt", "Started").Element("dd", $"{Html.Time(run.StartedAt)} by {run.StartedBy}")
            .Element("dt", "Finished").Element("dd", run.FinishedAt is { } f ? Html.Time(f) : "still running");
        if (tally is not null)
        {
            html.Element("dt", "Images").Element("dd", $"{tally.Images.Count} copied, {tally.Failed.Count} failed")
                .Element("dt", "Blobs").Element("dd", $"{tally.BlobsFetched} fetched, {tally.BlobsPresent} already stored")
                .Element("dt", "Bytes").Element("dd", Html.Bytes(tally.BytesInFlight));
        }

        if (run.Error is { } error)
        {
            html.Element("dt", "Stopped").Element("dd", error);
        }

        html.Raw("</dl>");
        if (tally is { Failed.Count: > 0 })
        {
            html.Raw("<ul class=\"errors\">");
            foreach (var failure in tally.Failed.ToArray())
            {
                html.Element("li", failure.ToString());
            }

            html.Raw("</ul>");
        }
    }
}
