using System.Diagnostics;
using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Peers;
using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// The WAN goes down after both caches were filled; then containerd pulls every cached image and a
/// client GETs cached manifests by tag (with containerd's 30 s header timeout). OciCache runs twice:
/// with fresh tags (default settings, nothing to revalidate) and with every tag due for revalidation
/// (<c>Cache:TagRevalidateInterval=0</c>: each request tries the dead upstream first, as after an outage
/// longer than the interval). This scenario runs last: the link stays cut.
/// </summary>
internal static class OfflineScenario
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PullTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan VariantBudget = TimeSpan.FromSeconds(150);

    public static async Task RunAsync(Bench bench)
    {
        var images = bench.Options.PullImages.Where(s => s != ImageSpec.Huge).Select(bench.Image).ToList();
        foreach (var peer in bench.Caches)
        {
            await bench.ColdStartAsync(peer);
            await bench.WarmAsync(peer, images);
        }

        await bench.Upstream.CutAsync();
        bench.Log("upstream cut");
        await MeasureAsync(bench, bench.OciCache, "fresh tags (defaults)", images);

        await bench.OciCache.StopAsync();
        await bench.OciCache.StartAsync(empty: false, new Dictionary<string, string> { ["OCICACHE_CACHE__TAGREVALIDATEINTERVAL"] = "00:00:00" });
        await MeasureAsync(bench, bench.OciCache, "tags due for revalidation", images);

        await MeasureAsync(bench, bench.Distribution, "as configured", images);
    }

    private static async Task MeasureAsync(Bench bench, Peer peer, string variant, IReadOnlyList<GeneratedImage> images)
    {
        var pulls = new List<(bool Ok, double Seconds)>();
        var pullNote = "";
        foreach (var image in images)
        {
            if (pulls.Any(p => double.IsNaN(p.Seconds) || p.Seconds >= PullTimeout.TotalSeconds))
            {
                // One pull hung until the timeout: the others would too. Counted as failed, not run.
                pulls.Add((false, double.NaN));
                pullNote = "pulls after the first timeout not run, counted as failed; ";
                continue;
            }

            var pull = await bench.Containerd.PullAsync(peer, image, PullTimeout);
            pulls.Add((pull.Ok, pull.TimedOut ? PullTimeout.TotalSeconds : pull.Elapsed.TotalSeconds));
            bench.Log($"offline pull {image.Name,-10} {peer.Name,-12} {variant}: {(pull.Ok ? Format.Seconds(pull.Elapsed.TotalSeconds) : "FAILED " + pull.Describe)}");
        }

        // Manifest GETs by tag, round robin over the images; bounded in time, and stopped after three
        // timeouts in a row (the rest would only wait out the same timeout).
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = RequestTimeout };
        var latencies = new List<double>();
        var attempted = 0;
        var consecutiveFailures = 0;
        var budget = Stopwatch.StartNew();
        var note = pullNote;
        for (var i = 0; i < bench.Options.OfflineManifestRequests; i++)
        {
            if (budget.Elapsed > VariantBudget || consecutiveFailures >= 3)
            {
                note += $"manifest GETs stopped after {attempted} requests ({(consecutiveFailures >= 3 ? "3 failures in a row" : "time budget")})";
                break;
            }

            var image = images[i % images.Count];
            attempted++;
            var start = Stopwatch.GetTimestamp();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, peer.Url(image, "manifests", image.Tag));
                request.Headers.TryAddWithoutValidation("Accept", HeadLoad.ManifestAccept);
                using var response = await client.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                    consecutiveFailures = 0;
                    continue;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            consecutiveFailures++;
        }

        var row = new OfflineRow(peer.Name, variant, pulls.Count(p => p.Ok), pulls.Count,
            Stats.Median(pulls.Where(p => p.Ok).Select(p => p.Seconds)), pulls.Where(p => !double.IsNaN(p.Seconds)).Max(p => p.Seconds),
            latencies.Count, attempted, Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99),
            latencies.Count == 0 ? double.NaN : latencies.Max(), note);
        bench.Results.Offline.Add(row);
        bench.Log($"offline {peer.Name,-12} {variant}: pulls {row.PullsOk}/{row.Pulls}, manifests {row.ManifestsOk}/{row.Manifests}, " +
            $"p50 {Format.Ms(row.P50)}, p99 {Format.Ms(row.P99)}, max {Format.Ms(row.Max)} {note}");
    }
}
