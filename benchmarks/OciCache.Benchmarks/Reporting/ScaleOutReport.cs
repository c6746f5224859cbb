using System.Text;

namespace OciCache.Benchmarks.Reporting;

/// <summary>
/// The scale-out part of results.md: its rows of the Targets table and its section. Medians over rounds;
/// ratios and deltas between medians of the same run, as two shared cores make absolute figures noisy.
/// </summary>
internal static class ScaleOutReport
{
    /// <summary>The issue's scale-out goals, as rows of the Targets table.</summary>
    public static void Targets(Results r, BenchOptions options, Action<string, string, bool?> row)
    {
        var many = r.ScaleOutCopies.Where(c => c.Replicas > 1).ToList();
        var one = r.ScaleOutCopies.Where(c => c.Replicas == 1).ToList();
        row($"scale-out: {options.ScaleOutClients} concurrent cold clients of one blob through HAProxy over {options.ScaleOutReplicas} replicas cost 1.00 upstream copies",
            many.Count == 0 ? "—" : $"{options.ScaleOutReplicas} replicas: {GetsPerRound(many)}; 1 replica: {GetsPerRound(one)}",
            many.Count == 0 ? null : many.All(c => c.UpstreamBlobGets == 1 && c.Succeeded == c.Clients));

        var embedded = FirstByteMedian(r, ScaleOutSetups.Embedded);
        var proxied = FirstByteMedian(r, ScaleOutSetups.BehindProxy(options.ScaleOutReplicas));
        row($"scale-out: cold time to first byte, {options.ScaleOutReplicas} replicas via HAProxy within 50 ms of a single replica's",
            r.ScaleOutFirstBytes.Count == 0 ? "—" : $"{Format.Ms(proxied)} vs {Format.Ms(embedded)} ({Format.MsDelta(proxied - embedded)}, single replica on SQLite and the data folder)",
            double.IsNaN(proxied - embedded) ? null : proxied - embedded <= 0.050);
    }

    public static void Section(StringBuilder md, Results r)
    {
        md.AppendLine($"## Scale-out: replicas on PostgreSQL and Ceph RGW ({(r.ScaleOutBlob.Length == 0 ? "not measured in this run" : r.ScaleOutBlob)})").AppendLine();
        if (r.ScaleOutCopies.Count == 0 && r.ScaleOutFirstBytes.Count == 0 && r.ScaleOutThroughput.Count == 0)
        {
            return;
        }

        md.AppendLine("Everything on 127.0.0.1 of one machine, in every run mode: the replicas, HAProxy (round-robin, no stickiness), PostgreSQL 15, " +
            "a single-node Ceph RGW (memstore) and an upstream registry of its own. Each measurement starts its setup fresh on a new database and bucket, " +
            "so every round is cold. The replicas share the machine's two cores with the backends and the clients: read the ratios and deltas, not the absolute figures.").AppendLine();
        Copies(md, r);
        FirstBytes(md, r);
        Warm(md, r);
    }

    private static void Copies(StringBuilder md, Results r)
    {
        if (r.ScaleOutCopies.Count == 0)
        {
            return;
        }

        md.AppendLine("**Cold upstream copies.** Clients started together through HAProxy on a fresh set; wall time to the last byte of the last client. " +
            "Upstream GETs of the blob and copies (upstream bytes over the blob's size) are counted until the blob is published in the bucket: one fetch for everyone is 1 GET, 1.00 copies.").AppendLine();
        md.AppendLine("| Replicas | Clients | Succeeded | Wall time (median) | Upstream GETs of the blob, per round | Copies (median) | HAProxy spread, per round |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var g in r.ScaleOutCopies.GroupBy(c => c.Replicas).OrderBy(g => g.Key))
        {
            md.AppendLine($"| {g.Key} | {g.First().Clients} | {g.Sum(c => c.Succeeded)}/{g.Sum(c => c.Clients)} | {Format.Seconds(Stats.Median(g.Select(c => c.WallSeconds)))} | " +
                $"{string.Join(", ", g.Select(c => c.UpstreamBlobGets))} | {Stats.Median(g.Select(c => c.UpstreamBytes / (double)c.BlobBytes)):F2} | {string.Join(", ", g.Select(c => c.Spread))} |");
        }

        var (oneWall, manyWall) = (CopiesWall(r, one: true), CopiesWall(r, one: false));
        md.AppendLine().AppendLine($"Wall time, {r.ScaleOutCopies.Max(c => c.Replicas)} replicas ÷ 1: {Format.Ratio(manyWall / oneWall)}.").AppendLine();
        Failures(md, r.ScaleOutCopies.Where(c => c.Error.Length > 0).Select(c => $"{c.Clients} cold clients, {c.Replicas} replicas, round {c.Round}: `{MarkdownReport.Flatten(c.Error)}`"));
    }

    private static void FirstBytes(StringBuilder md, Results r)
    {
        if (r.ScaleOutFirstBytes.Count == 0)
        {
            return;
        }

        md.AppendLine("**Cold time to first byte.** One new connection to a fresh set; headers and the first body byte of the cold blob, then the set is stopped. " +
            "The single replicas are reached directly, the replica set through HAProxy (its hop is in the figure).").AppendLine();
        md.AppendLine("| Setup | Headers (median) | First byte (median) | First byte (max) | vs sqlite+fs ×1 | vs postgres+s3 ×1 | OK |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        var embedded = FirstByteMedian(r, ScaleOutSetups.Embedded);
        var clusterOne = FirstByteMedian(r, ScaleOutSetups.ClusterOne);
        foreach (var g in r.ScaleOutFirstBytes.GroupBy(s => s.Setup))
        {
            var ok = g.Where(s => s.Ok).ToList();
            var first = Stats.Median(ok.Select(s => s.FirstByteSeconds));
            md.AppendLine($"| {g.Key} | {Format.Ms(Stats.Median(ok.Select(s => s.HeadersSeconds)))} | {Format.Ms(first)} | " +
                $"{Format.Ms(ok.Count == 0 ? double.NaN : ok.Max(s => s.FirstByteSeconds))} | {(g.Key == ScaleOutSetups.Embedded ? "" : Format.MsDelta(first - embedded))} | " +
                $"{(g.Key is ScaleOutSetups.Embedded or ScaleOutSetups.ClusterOne ? "" : Format.MsDelta(first - clusterOne))} | {ok.Count}/{g.Count()} |");
        }

        // The same rounds paired: each round ran both single setups back to back, so their difference is less exposed to the machine's load.
        var paired = r.ScaleOutFirstBytes.Where(s => s.Ok).GroupBy(s => s.Round)
            .Select(g => (Lease: g.FirstOrDefault(s => s.Setup == ScaleOutSetups.ClusterOne), Plain: g.FirstOrDefault(s => s.Setup == ScaleOutSetups.Embedded)))
            .Where(p => p.Lease is not null && p.Plain is not null)
            .Select(p => p.Lease!.FirstByteSeconds - p.Plain!.FirstByteSeconds).ToList();
        md.AppendLine().AppendLine($"**Fill-lease overhead** (postgres+s3 ×1 against sqlite+fs ×1: the lease taken in PostgreSQL, and the S3 store, before the first byte): " +
            $"{Format.MsDelta(clusterOne - embedded)} between medians ({Format.Ratio(clusterOne / embedded)}), {Format.MsDelta(Stats.Median(paired))} median of {paired.Count} paired rounds.").AppendLine();
        Failures(md, r.ScaleOutFirstBytes.Where(s => !s.Ok).Select(s => $"first byte, {s.Setup}, round {s.Round}: `{MarkdownReport.Flatten(s.Error)}`"));
    }

    private static void Warm(StringBuilder md, Results r)
    {
        if (r.ScaleOutThroughput.Count == 0)
        {
            return;
        }

        md.AppendLine("**Warm reads through HAProxy.** Both sets running side by side, the blob published in each one's bucket; per round, interleaved, " +
            "several clients read it at once through each proxy (new connections, bytes dropped). Throughput is all bytes read over the wall time.").AppendLine();
        md.AppendLine("| Replicas | Clients | Wall time (median) | Throughput in all (median) | × 1 replica | Succeeded |").AppendLine("|---|---|---|---|---|---|");
        var single = Stats.Median(r.ScaleOutThroughput.Where(t => t.Replicas == 1 && t.Succeeded == t.Clients).Select(t => t.BytesPerSecond));
        foreach (var g in r.ScaleOutThroughput.GroupBy(t => t.Replicas).OrderBy(g => g.Key))
        {
            var rate = Stats.Median(g.Where(t => t.Succeeded == t.Clients).Select(t => t.BytesPerSecond));
            md.AppendLine($"| {g.Key} | {g.First().Clients} | {Format.Seconds(Stats.Median(g.Select(t => t.WallSeconds)))} | " +
                $"{(double.IsNaN(rate) ? "—" : Format.MiB(rate) + " MiB/s")} | {Format.Ratio(rate / single)} | {g.Sum(t => t.Succeeded)}/{g.Sum(t => t.Clients)} |");
        }

        md.AppendLine().AppendLine($"Upstream GETs of the blob during the warm reads: {(r.ScaleOutWarmUpstreamGets is { } gets ? gets.ToString(System.Globalization.CultureInfo.InvariantCulture) : "—")} (0: every read came from the object store).").AppendLine();
        Failures(md, r.ScaleOutThroughput.Where(t => t.Error.Length > 0).Select(t => $"warm, {t.Replicas} replicas, round {t.Round}: `{MarkdownReport.Flatten(t.Error)}`"));
    }

    private static void Failures(StringBuilder md, IEnumerable<string> failures)
    {
        var list = failures.ToList();
        foreach (var failure in list)
        {
            md.AppendLine($"- failed: {failure}");
        }

        if (list.Count > 0)
        {
            md.AppendLine();
        }
    }

    private static string GetsPerRound(IReadOnlyList<ScaleOutCopiesRow> rows) => rows.Count == 0 ? "—"
        : $"{string.Join(", ", rows.Select(c => c.UpstreamBlobGets))} GET{(rows.All(c => c.UpstreamBlobGets == 1) ? "" : "s")} of the blob, {Stats.Median(rows.Select(c => c.UpstreamBytes / (double)c.BlobBytes)):F2} copies, " +
          $"{rows.Sum(c => c.Succeeded)}/{rows.Sum(c => c.Clients)} clients ok";

    private static double CopiesWall(Results r, bool one) =>
        Stats.Median(r.ScaleOutCopies.Where(c => (c.Replicas == 1) == one && c.Succeeded == c.Clients).Select(c => c.WallSeconds));

    private static double FirstByteMedian(Results r, string setup) =>
        Stats.Median(r.ScaleOutFirstBytes.Where(s => s.Setup == setup && s.Ok).Select(s => s.FirstByteSeconds));
}
