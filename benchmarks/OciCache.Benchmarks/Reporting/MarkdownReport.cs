using System.Text;

namespace OciCache.Benchmarks.Reporting;

/// <summary>
/// Renders a run as Markdown: conditions, the targets with met/missed, then one table per scenario.
/// Times are medians over rounds; ratios compare medians of the same run.
/// </summary>
internal static class MarkdownReport
{
    public const string Oci = "ocicache";
    public const string Dist = "distribution";
    public const string Direct = "direct";

    public static string Render(Results r)
    {
        var options = new BenchOptions { Quick = r.Quick, OciCacheExecutable = "", WorkDirectory = "", ResultsDirectory = "" };
        var md = new StringBuilder();
        md.AppendLine("# OciCache benchmark results").AppendLine();
        md.AppendLine("Peers: **ocicache** (this project), **distribution** (the CNCF registry 2.8 as a pull-through proxy, `proxy.remoteurl`), " +
            "**direct** (clients pull from the upstream across the WAN, no cache). All peers measured in the same run, interleaved; " +
            "figures are medians over rounds, ratios are between medians. How to read them: [../README.md](../README.md).").AppendLine();
        md.AppendLine("| Condition | |").AppendLine("|---|---|");
        foreach (var (key, value) in r.Conditions)
        {
            md.AppendLine($"| {key} | {value.Replace("|", "\\|")} |");
        }

        md.AppendLine();
        Targets(md, r, options);
        Pulls(md, r);
        FirstBytes(md, r);
        Throughput(md, r);
        FastLinkReport.Section(md, r);
        PinnedReport.Section(md, r);
        ScaleOutReport.Section(md, r);
        Trust(md, r);
        Concurrency(md, r);
        Offline(md, r);
        Footprint(md, r, options);
        HeadLoad(md, r);
        md.AppendLine("## Charts").AppendLine();
        foreach (var (file, title) in Charts.Files)
        {
            md.AppendLine($"![{title}]({file})").AppendLine();
        }

        return md.ToString();
    }

    private static void Targets(StringBuilder md, Results r, BenchOptions options)
    {
        md.AppendLine("## Targets").AppendLine();
        md.AppendLine("| Target | Measured | |").AppendLine("|---|---|---|");
        void Row(string target, string measured, bool? met) =>
            md.AppendLine($"| {target} | {measured} | {(met is null ? "not measured" : met.Value ? "met" : "**missed**")} |");

        var warmOci = Stats.Median(r.Throughput.Where(t => t.Peer == Oci && t.Ok).Select(t => t.BytesPerSecond));
        var warmDist = Stats.Median(r.Throughput.Where(t => t.Peer == Dist && t.Ok).Select(t => t.BytesPerSecond));
        Row("warm blob throughput ≥ distribution's",
            double.IsNaN(warmOci / warmDist) ? "—" : $"{Format.Bytes(warmOci)}/s vs {Format.Bytes(warmDist)}/s ({Format.Ratio(warmOci / warmDist)})",
            double.IsNaN(warmOci / warmDist) ? null : warmOci >= warmDist);

        var ratios = r.Images.Select(i => (i.Name, Ratio: ColdMedian(r, i.Name, Oci) / ColdMedian(r, i.Name, Direct))).ToList();
        var worst = ratios.Where(x => !double.IsNaN(x.Ratio)).DefaultIfEmpty((Name: "", Ratio: double.NaN)).MaxBy(x => x.Ratio);
        Row("cold pull within 10% of a direct pull", string.Join(", ", ratios.Select(x => $"{x.Name} {Format.Ratio(x.Ratio)}")),
            double.IsNaN(worst.Ratio) ? null : worst.Ratio <= 1.10);

        var ttfbOci = Stats.Median(r.FirstBytes.Where(f => f.Peer == Oci && f.Ok).Select(f => f.FirstByteSeconds));
        var ttfbDirect = Stats.Median(r.FirstBytes.Where(f => f.Peer == Direct && f.Ok).Select(f => f.FirstByteSeconds));
        Row("cold time to first byte within 50 ms of the upstream's", $"{Format.Ms(ttfbOci)} vs {Format.Ms(ttfbDirect)} ({Format.MsDelta(ttfbOci - ttfbDirect)})",
            double.IsNaN(ttfbOci - ttfbDirect) ? null : ttfbOci - ttfbDirect <= 0.050);

        var concurrent = r.Concurrency.Where(c => c.Peer == Oci).ToList();
        Row("upstream bytes for N concurrent cold clients = one copy",
            string.Join(", ", concurrent.Select(c => $"N={c.Clients}: {c.UpstreamBytes / (double)c.ImageBytes:F2} copies, {c.UpstreamBlobGets} blob GETs")),
            concurrent.Count == 0 ? null : concurrent.All(c => c.UpstreamBytes <= c.ImageBytes * 1.01 && c.Succeeded == c.Clients));

        var offline = r.Offline.Where(o => o.Peer == Oci).ToList();
        Row("offline pulls of cached tags: 100% success, p99 < 100 ms per manifest request",
            string.Join("; ", offline.Select(o => $"{o.Variant}: pulls {o.PullsOk}/{o.Pulls}, manifests {o.ManifestsOk}/{o.Manifests}, p99 {Format.Ms(o.P99)}")),
            offline.Count == 0 ? null : offline.All(o => o.PullsOk == o.Pulls && o.ManifestsOk == o.Manifests && o.P99 < 0.100));

        var startup = r.Startup.FirstOrDefault(s => s.Peer == Oci);
        Row("idle RSS after start ≤ 24 MiB", startup is null ? "—" : $"{Format.Bytes(startup.IdleRss)} after start ({Format.Bytes(startup.IdleRssAfterWarmup)} after a first pull)",
            startup is null ? null : startup.IdleRss <= 24L << 20);
        var footprint = r.Footprint.FirstOrDefault(f => f.Peer == Oci);
        var peakTarget = $"peak RSS ≤ 40 MiB during {options.FootprintClients} concurrent cold {Format.Bytes(options.FootprintImage.Platforms[0].LayerMiB[0] << 20)} pulls";
        Row(peakTarget, footprint is null ? "—" : Format.Bytes(footprint.PeakRss), footprint is null ? null : footprint.PeakRss <= 40L << 20);
        Row("startup to first answer ≤ 70 ms (median)", startup is null ? "—" : $"median {Format.Ms(startup.MedianSeconds)}, max {Format.Ms(startup.MaxSeconds)}",
            startup is null ? null : startup.MedianSeconds <= 0.070);
        FastLinkReport.Targets(r, options, Row);
        PinnedReport.Targets(r, options, Row);
        ScaleOutReport.Targets(r, options, Row);
        md.AppendLine();
        if (options.Quick)
        {
            md.AppendLine("A quick run uses small images and few clients: it checks that the harness works, its figures are no verdict on the targets.").AppendLine();
        }
    }

    private static void Pulls(StringBuilder md, Results r)
    {
        md.AppendLine("## Cold and warm pulls (containerd, `ctr images pull`, unpack included)").AppendLine();
        md.AppendLine("Cold: the cache restarted empty. Warm: the same cache again right after. containerd forgets everything before each pull.").AppendLine();
        md.AppendLine("| Image | Pulled | direct | distribution cold | ocicache cold | ocicache / direct | distribution warm | ocicache warm | ocicache / distribution warm |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var image in r.Images)
        {
            double M(string peer, string phase) => Stats.Median(r.Pulls.Where(p => p.Image == image.Name && p.Peer == peer && p.Phase == phase && p.Ok).Select(p => p.Seconds));
            var failures = r.Pulls.Count(p => p.Image == image.Name && !p.Ok);
            md.AppendLine($"| {image.Name} ({image.Title}) | {Format.Bytes(image.PullBytes)} | {Format.Seconds(M(Direct, "cold"))} | {Format.Seconds(M(Dist, "cold"))} | " +
                $"{Format.Seconds(M(Oci, "cold"))} | {Format.Ratio(M(Oci, "cold") / M(Direct, "cold"))} | {Format.Seconds(M(Dist, "warm"))} | " +
                $"{Format.Seconds(M(Oci, "warm"))} | {Format.Ratio(M(Oci, "warm") / M(Dist, "warm"))} |{(failures > 0 ? $" {failures} failed" : "")}");
        }

        md.AppendLine();
        var failed = r.Pulls.Where(p => !p.Ok).ToList();
        foreach (var f in failed)
        {
            md.AppendLine($"- failed: {f.Phase} {f.Image} via {f.Peer}, round {f.Round}: `{Flatten(f.Error)}`");
        }

        if (failed.Count > 0)
        {
            md.AppendLine();
        }
    }

    private static void FirstBytes(StringBuilder md, Results r)
    {
        md.AppendLine($"## Time to first byte, cold ({r.FirstByteBlob})").AppendLine();
        md.AppendLine("| Peer | Headers (median) | First byte (median) | First byte (max) | vs direct |").AppendLine("|---|---|---|---|---|");
        var direct = Stats.Median(r.FirstBytes.Where(f => f.Peer == Direct && f.Ok).Select(f => f.FirstByteSeconds));
        foreach (var peer in new[] { Direct, Dist, Oci })
        {
            var samples = r.FirstBytes.Where(f => f.Peer == peer && f.Ok).ToList();
            var first = Stats.Median(samples.Select(s => s.FirstByteSeconds));
            md.AppendLine($"| {peer} | {Format.Ms(Stats.Median(samples.Select(s => s.HeadersSeconds)))} | {Format.Ms(first)} | " +
                $"{Format.Ms(samples.Count == 0 ? double.NaN : samples.Max(s => s.FirstByteSeconds))} | {(peer == Direct ? "" : Format.MsDelta(first - direct))} |");
        }

        md.AppendLine();
    }

    private static void Throughput(StringBuilder md, Results r)
    {
        md.AppendLine($"## Warm blob throughput over the LAN (curl, {r.ThroughputBlob})").AppendLine();
        md.AppendLine("| Peer | Median | Min | Max |").AppendLine("|---|---|---|---|");
        foreach (var peer in new[] { Dist, Oci })
        {
            var values = r.Throughput.Where(t => t.Peer == peer && t.Ok).Select(t => t.BytesPerSecond).ToList();
            md.AppendLine(values.Count == 0
                ? $"| {peer} | — | — | — |"
                : $"| {peer} | {Format.Bytes(Stats.Median(values))}/s | {Format.Bytes(values.Min())}/s | {Format.Bytes(values.Max())}/s |");
        }

        md.AppendLine();
    }

    private static void Concurrency(StringBuilder md, Results r)
    {
        md.AppendLine($"## Concurrent cold pulls (skopeo, {r.ConcurrencyImage})").AppendLine();
        md.AppendLine("Upstream bytes are the upstream registry's response bytes (its access log); one copy of the image is 1.00.").AppendLine();
        md.AppendLine("| Clients | Peer | Wall time | Median client | Succeeded | Upstream bytes | Copies | Blob GETs upstream | Peak RSS |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var c in r.Concurrency.OrderBy(c => c.Clients).ThenBy(c => c.Peer))
        {
            md.AppendLine($"| {c.Clients} | {c.Peer} | {Format.Seconds(c.WallSeconds)} | {Format.Seconds(c.MedianClientSeconds)} | {c.Succeeded}/{c.Clients} | " +
                $"{Format.Bytes(c.UpstreamBytes)} | {c.UpstreamBytes / (double)c.ImageBytes:F2} | {c.UpstreamBlobGets} | {(c.Peer == Direct ? "—" : Format.Bytes(c.PeakRss))} |");
        }

        md.AppendLine();
        foreach (var c in r.Concurrency.Where(c => c.Error.Length > 0))
        {
            md.AppendLine($"- {c.Clients} clients via {c.Peer}: `{Flatten(c.Error)}`");
        }
    }

    private static void Trust(StringBuilder md, Results r)
    {
        if (r.Trust is not { } t)
        {
            return;
        }

        md.AppendLine("## Signature policy (trust)").AppendLine();
        md.AppendLine($"OciCache with an enforcing `Trust:Policies` rule (\"{t.Rule}\": one ECDSA P-256 key, the image signed as cosign does, `.sig` tag) " +
            $"against the same data folder without it, rounds alternating the two, each after a restart (no verdict cached); medians over rounds. " +
            $"Image: {t.Image} ({Format.Bytes(t.PullBytes)} pulled). The first manifest GET after the restart reaches the cold verdict with the rule " +
            "(signatures looked up, one verified); the rest are warm. Warm pulls: `ctr images pull`, containerd's store emptied before each.").AppendLine();
        md.AppendLine("| | With the policy | Without | Ratio |").AppendLine("|---|---|---|---|");
        md.AppendLine($"| first manifest GET after a restart (cold verdict) | {Format.Ms(t.FirstGetWithPolicy)} | {Format.Ms(t.FirstGetWithout)} | {Format.MsDelta(t.FirstGetWithPolicy - t.FirstGetWithout)} |");
        md.AppendLine($"| warm manifest GET (median) | {Format.Ms(t.ManifestGetWithPolicy)} | {Format.Ms(t.ManifestGetWithout)} | {Format.Ratio(t.ManifestGetWithPolicy / t.ManifestGetWithout)} |");
        md.AppendLine($"| warm pull throughput (median) | {Format.Bytes(t.PullWithPolicy)}/s | {Format.Bytes(t.PullWithout)}/s | {Format.Ratio(t.PullWithPolicy / t.PullWithout)} |");
        md.AppendLine($"| pulls ok | {t.PullsOk}/{t.Pulls} | | |");
        md.AppendLine($"| signature verifications in a round with the policy (most) | {t.Verifications?.ToString() ?? "—"} (1: the cold verdict; warm requests add none) | | |");
        if (t.Error.Length > 0)
        {
            md.AppendLine().AppendLine($"- `{Flatten(t.Error)}`");
        }

        md.AppendLine();
    }

    private static void Offline(StringBuilder md, Results r)
    {
        md.AppendLine("## Offline: upstream cut, cached tags").AppendLine();
        md.AppendLine("| Peer | Variant | ctr pulls ok | Pull time (median / max) | Manifest GETs ok | p50 | p99 | max | Note |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var o in r.Offline)
        {
            md.AppendLine($"| {o.Peer} | {o.Variant} | {o.PullsOk}/{o.Pulls} | {Format.Seconds(o.PullMedianSeconds)} / {Format.Seconds(o.PullMaxSeconds)} | " +
                $"{o.ManifestsOk}/{o.Manifests} | {Format.Ms(o.P50)} | {Format.Ms(o.P99)} | {Format.Ms(o.Max)} | {o.Note} |");
        }

        md.AppendLine();
    }

    private static void Footprint(StringBuilder md, Results r, BenchOptions options)
    {
        md.AppendLine("## Footprint").AppendLine();
        md.AppendLine($"Startup: process start to the first successful answer, {options.StartupRounds} empty starts. Idle RSS: 3 s after an empty start, and 3 s after a first pull (the 1 MiB warm-up image). " +
            $"Peak RSS: {options.FootprintClients} curl clients fetching one cold blob at once (WAN rate limit lifted, delay kept).").AppendLine();
        md.AppendLine("| Peer | Startup (median / max) | Idle RSS | Idle RSS after a first pull | Concurrent cold blob | Wall time | Succeeded | Upstream bytes | Peak RSS | Peak RSS, concurrency scenario |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var peer in new[] { Dist, Oci })
        {
            var s = r.Startup.FirstOrDefault(x => x.Peer == peer);
            var f = r.Footprint.FirstOrDefault(x => x.Peer == peer);
            var concurrentPeak = r.Concurrency.Where(c => c.Peer == peer).Select(c => c.PeakRss).DefaultIfEmpty(0).Max();
            md.AppendLine($"| {peer} | {(s is null ? "—" : $"{Format.Ms(s.MedianSeconds)} / {Format.Ms(s.MaxSeconds)}")} | {(s is null ? "—" : Format.Bytes(s.IdleRss))} | {(s is null ? "—" : Format.Bytes(s.IdleRssAfterWarmup))} | " +
                $"{(f is null ? "—" : $"{f.Clients} × {Format.Bytes(f.BlobBytes)}")} | {(f is null ? "—" : Format.Seconds(f.WallSeconds))} | {(f is null ? "—" : $"{f.Succeeded}/{f.Clients}")} | " +
                $"{(f is null ? "—" : Format.Bytes(f.UpstreamBytes))} | {(f is null ? "—" : Format.Bytes(f.PeakRss))} | {(concurrentPeak == 0 ? "—" : Format.Bytes(concurrentPeak))} |");
        }

        md.AppendLine();
    }

    private static void HeadLoad(StringBuilder md, Results r)
    {
        md.AppendLine("## Warm manifest HEAD load").AppendLine();
        md.AppendLine("Closed loop, 16 keep-alive connections, the client on the same two cores; medians of 2 rounds.").AppendLine();
        md.AppendLine("| Peer | By | Requests/s | p50 | p99 | Failed |").AppendLine("|---|---|---|---|---|---|");
        foreach (var group in r.HeadLoad.GroupBy(h => (h.Peer, h.By)).OrderBy(g => g.Key.By).ThenBy(g => g.Key.Peer))
        {
            md.AppendLine($"| {group.Key.Peer} | {group.Key.By} | {Format.Number(Stats.Median(group.Select(h => h.RequestsPerSecond)))} | " +
                $"{Format.Ms(Stats.Median(group.Select(h => h.P50)))} | {Format.Ms(Stats.Median(group.Select(h => h.P99)))} | {group.Sum(h => h.Failures)} |");
        }

        md.AppendLine();
    }

    private static double ColdMedian(Results r, string image, string peer) =>
        Stats.Median(r.Pulls.Where(p => p.Image == image && p.Peer == peer && p.Phase == "cold" && p.Ok).Select(p => p.Seconds));

    public static string Flatten(string text) => text.Replace('\n', ' ').Replace('`', '\'').Replace("|", "\\|");
}
