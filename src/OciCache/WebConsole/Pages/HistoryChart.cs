using System.Globalization;
using OciCache.Storage;

namespace OciCache.WebConsole.Pages;

/// <summary>
/// The traffic history as server-drawn SVG (no script needed): per column, hits over misses as stacked bars,
/// and beside it bytes served from the cache over bytes fetched upstream. 24 hours in 15-minute columns
/// (minute buckets summed), 7 days in hour columns. Colours come from the stylesheet's classes.
/// </summary>
internal static class HistoryChart
{
    private const int Width = 720;
    private const int Height = 120;

    public static void Render(Html html, string title, TrafficResolution resolution, IReadOnlyList<TrafficBucket> buckets, DateTimeOffset now)
    {
        var (columns, span) = resolution == TrafficResolution.Minute ? (96, TimeSpan.FromMinutes(15)) : (168, TimeSpan.FromHours(1));
        var end = TrafficHistory.BucketStart(TrafficResolution.Hour, now) + TimeSpan.FromHours(1);
        if (resolution == TrafficResolution.Minute)
        {
            end = new DateTimeOffset(now.Ticks - now.Ticks % span.Ticks, TimeSpan.Zero) + span;
        }

        var start = end - span * columns;
        var sums = new (long Hits, long Misses, long Served, long Fetched)[columns];
        foreach (var b in buckets)
        {
            var i = (int)((b.Start - start).Ticks / span.Ticks);
            if (i >= 0 && i < columns)
            {
                sums[i] = (sums[i].Hits + b.Hits, sums[i].Misses + b.Misses, sums[i].Served + b.ServedBytes, sums[i].Fetched + b.FetchedBytes);
            }
        }

        html.Raw("<section class=\"chart\">").Element("h3", title);
        Bars(html, "requests: hits (cache) over misses (upstream)", columns, sums.Select(s => (s.Hits, s.Misses)).ToArray(), "hit", "miss", Html.Number);
        Bars(html, "bytes: served from the cache over fetched upstream", columns, sums.Select(s => (s.Served, s.Fetched)).ToArray(), "served", "fetched", Html.Bytes);
        html.Raw("<p class=\"axis\">").Text($"{Html.Time(start)} – {Html.Time(end)}").Raw("</p></section>");
    }

    private static void Bars(Html html, string label, int columns, (long Low, long High)[] values, string lowClass, string highClass, Func<long, string> format)
    {
        var max = Math.Max(1, values.Max(v => v.Low + v.High));
        var w = (double)Width / columns;
        html.Raw($"<svg class=\"bars\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" preserveAspectRatio=\"none\"><title>")
            .Text($"{label}; peak {format(max)} per column").Raw("</title>");
        for (var i = 0; i < columns; i++)
        {
            var (low, high) = values[i];
            if (low + high == 0)
            {
                continue;
            }

            var lowHeight = Height * (double)low / max;
            var highHeight = Height * (double)high / max;
            var x = F(i * w);
            html.Raw($"<rect class=\"{lowClass}\" x=\"{x}\" y=\"{F(Height - lowHeight)}\" width=\"{F(w * 0.9)}\" height=\"{F(lowHeight)}\"></rect>");
            html.Raw($"<rect class=\"{highClass}\" x=\"{x}\" y=\"{F(Height - lowHeight - highHeight)}\" width=\"{F(w * 0.9)}\" height=\"{F(highHeight)}\"></rect>");
        }

        html.Raw("</svg><p class=\"legend\">")
            .Raw($"<span class=\"key {lowClass}\"></span>").Text(lowClass + " " + format(values.Sum(v => v.Low)))
            .Raw($" <span class=\"key {highClass}\"></span>").Text(highClass + " " + format(values.Sum(v => v.High)))
            .Text($" · peak {format(max)}").Raw("</p>");
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
