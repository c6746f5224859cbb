using System.Text;
using OciCache.Benchmarks.Images;

namespace OciCache.Benchmarks.Reporting;

/// <summary>
/// The fast-link part of results.md: its rows of the Targets table and its section. Medians per blob,
/// peer and phase; ratios between medians of the same run.
/// </summary>
internal static class FastLinkReport
{
    private const string Oci = MarkdownReport.Oci;
    private const string Dist = MarkdownReport.Dist;
    private const string Direct = MarkdownReport.Direct;

    /// <summary>The issue's fast-link targets, as rows of the Targets table.</summary>
    public static void Targets(Results r, BenchOptions options, Action<string, string, bool?> row)
    {
        var blobs = Blobs(r);
        var cold = blobs.Select(b => (b.Name,
            Direct: Median(r, b.Name, Oci, "cold") / Median(r, b.Name, Direct, "cold"),
            Dist: Median(r, b.Name, Oci, "cold") / Median(r, b.Name, Dist, "cold"))).ToList();
        var ociFailed = r.FastLink.Any(s => s.Peer == Oci && !s.Ok);
        row("fast link: cold blob ≤ 1.30× direct, and faster than distribution cold",
            string.Join(", ", cold.Select(c => $"{c.Name}: {Format.Ratio(c.Direct)} direct, {Format.Ratio(c.Dist)} distribution")) +
                (ociFailed ? "; ocicache GETs failed" : ""),
            cold.Count == 0 ? null : !ociFailed && cold.All(c => c.Direct <= 1.30 && c.Dist < 1));

        // Throughputs of the same blob compare as the inverse of their median times.
        var warm = blobs.Select(b => (b.Name, Oci: b.Bytes / Median(r, b.Name, Oci, "warm"), Dist: b.Bytes / Median(r, b.Name, Dist, "warm"))).ToList();
        row("fast link: warm blob throughput ≥ distribution's",
            string.Join(", ", warm.Select(w => $"{w.Name}: {Format.MiB(w.Oci)} vs {Format.MiB(w.Dist)} MiB/s ({Format.Ratio(w.Oci / w.Dist)})")),
            warm.Count == 0 ? null : !ociFailed && warm.All(w => w.Oci >= w.Dist));

        var concurrent = r.FastLinkConcurrency.Where(c => c.Peer == Oci).ToList();
        var wall = Stats.Median(concurrent.Select(c => c.WallSeconds));
        var single = concurrent.Count == 0 ? double.NaN : Median(r, concurrent[0].Blob, Oci, "cold");
        var size = options.FastLinkConcurrentImage.Platforms[0].LayerMiB[0] * ImageSpec.MiB;
        row($"fast link: {options.FastLinkClients} concurrent cold clients of one {Format.Bytes(size)} blob ≤ 1.50× one client's cold time",
            concurrent.Count == 0 ? "—" : $"{Format.Seconds(wall)} vs {Format.Seconds(single)} ({Format.Ratio(wall / single)}), " +
                $"{concurrent.Sum(c => c.Succeeded)}/{concurrent.Sum(c => c.Clients)} ok",
            concurrent.Count == 0 ? null : wall / single <= 1.50 && concurrent.All(c => c.Succeeded == c.Clients));
    }

    public static void Section(StringBuilder md, Results r)
    {
        md.AppendLine("## Fast link").AppendLine();
        if (r.FastLink.Count == 0 && r.FastLinkConcurrency.Count == 0)
        {
            md.AppendLine("Not measured in this run.").AppendLine();
            return;
        }

        md.AppendLine($"Raw blob GETs (a .NET `HttpClient` in the harness, new connection, bytes dropped), {r.FastLink.Select(s => s.Round).Distinct().Count()} rounds interleaved, with peers, upstream and client all on 127.0.0.1: " +
            "no rate limit and no relay, in every run mode. Cold: the cache restarted empty; warm: the same cache again once it has stored the blob; " +
            "direct: from the upstream. Times run from the request to the last byte; throughput is the blob's size over the median time; " +
            "× direct compares median times (below 1.00× is faster than direct).").AppendLine();
        md.AppendLine("| Blob | Peer | Median | Min | Max | Throughput | × direct | OK |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var (name, bytes) in Blobs(r))
        {
            var direct = Median(r, name, Direct, "cold");
            foreach (var (peer, phase) in new[] { (Direct, "cold"), (Oci, "cold"), (Oci, "warm"), (Dist, "cold"), (Dist, "warm") })
            {
                var samples = r.FastLink.Where(s => s.Blob == name && s.Peer == peer && s.Phase == phase).ToList();
                var times = samples.Where(s => s.Ok).Select(s => s.Seconds).ToList();
                var median = Stats.Median(times);
                md.AppendLine($"| {name} ({Format.Bytes(bytes)}) | {(peer == Direct ? Direct : $"{peer} {phase}")} | {Format.Seconds(median)} | " +
                    $"{Format.Seconds(times.Count == 0 ? double.NaN : times.Min())} | {Format.Seconds(times.Count == 0 ? double.NaN : times.Max())} | " +
                    $"{(double.IsNaN(median) ? "—" : Format.MiB(bytes / median) + " MiB/s")} | {Format.Ratio(median / direct)} | {times.Count}/{samples.Count} |");
            }
        }

        md.AppendLine();
        var groups = r.FastLinkConcurrency.GroupBy(c => (c.Peer, c.Blob, c.BlobBytes, c.Clients)).OrderBy(g => g.Key.Peer == Oci ? 0 : 1).ToList();
        if (groups.Count > 0)
        {
            md.AppendLine("Concurrent cold clients: started together on an empty cache; the wall time runs from their start to the last byte of the last one " +
                "and is compared with one client's median cold time above. Upstream bytes are counted until the cache has stored the blob; one copy is 1.00. " +
                "The direct row is the same clients reading the upstream itself: the floor of this machine, whose cores the clients share with the peers.").AppendLine();
            md.AppendLine("| Peer | Clients | Blob | Wall time (median) | One client cold | Ratio | Succeeded | Upstream bytes (median) | Copies |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var g in groups)
            {
                var wall = Stats.Median(g.Select(c => c.WallSeconds));
                var single = Median(r, g.Key.Blob, g.Key.Peer, "cold");
                var upstream = Stats.Median(g.Select(c => (double)c.UpstreamBytes));
                md.AppendLine($"| {g.Key.Peer} | {g.Key.Clients} | {g.Key.Blob} ({Format.Bytes(g.Key.BlobBytes)}) | {Format.Seconds(wall)} | {Format.Seconds(single)} | {Format.Ratio(wall / single)} | " +
                    $"{g.Sum(c => c.Succeeded)}/{g.Sum(c => c.Clients)} | {Format.Bytes(upstream)} | {upstream / g.Key.BlobBytes:F2} |");
            }

            md.AppendLine();
        }

        var failures = r.FastLink.Where(s => !s.Ok).Select(s => $"{s.Phase} {s.Blob} via {s.Peer}, round {s.Round}: `{MarkdownReport.Flatten(s.Error)}`")
            .Concat(r.FastLinkConcurrency.Where(c => c.Error.Length > 0).Select(c => $"{c.Clients} clients via {c.Peer}, round {c.Round}: `{MarkdownReport.Flatten(c.Error)}`")).ToList();
        foreach (var failure in failures)
        {
            md.AppendLine($"- failed: {failure}");
        }

        if (failures.Count > 0)
        {
            md.AppendLine();
        }
    }

    private static IReadOnlyList<(string Name, long Bytes)> Blobs(Results r) =>
        r.FastLink.Select(s => (s.Blob, s.BlobBytes)).Distinct().OrderBy(b => b.BlobBytes).ToList();

    private static double Median(Results r, string blob, string peer, string phase) =>
        Stats.Median(r.FastLink.Where(s => s.Blob == blob && s.Peer == peer && s.Phase == phase && s.Ok).Select(s => s.Seconds));
}
