using System.Text;
using OciCache.Benchmarks.Infra;

namespace OciCache.Benchmarks.Reporting;

/// <summary>
/// The pinned part of results.md: its rows of the Targets table and its section. CPU per GiB is the
/// median over rounds of each transfer's cache CPU over the blob's size; the SHA-256 floor is the
/// lowest cost measured in the run (openssl's when there is one, .NET's otherwise).
/// </summary>
internal static class PinnedReport
{
    private const string Oci = MarkdownReport.Oci;
    private const string Dist = MarkdownReport.Dist;
    private const double GiB = 1L << 30;

    // The issue's floors: cold CPU over SHA-256's for the same bytes, cold MiB/s, warm CPU per GiB,
    // and the cache CPU of N concurrent cold clients over one client's.
    private const double ColdOverSha256 = 1.6;
    private const double ColdMiBPerSecond = 800;
    private const double WarmSecondsPerGiB = 0.25;
    private const double ConcurrentOverOne = 1.3;

    /// <summary>The issue's targets for the cache on a core of its own, as rows of the Targets table (ocicache's figures).</summary>
    public static void Targets(Results r, BenchOptions options, Action<string, string, bool?> row)
    {
        var floor = Sha256(r);
        var blobs = Blobs(r);
        var failed = r.Pinned.Any(s => s.Peer == Oci && !s.Ok) ? "; ocicache GETs failed" : "";
        var ok = !r.Pinned.Any(s => s.Peer == Oci && !s.Ok);
        var cold = blobs.Select(b => (b.Name, Ratio: CpuPerGiB(r, b.Name, Oci, "cold") / floor.SecondsPerGiB, MiB: MiBPerSecond(r, b.Name, b.Bytes, Oci, "cold"))).ToList();
        row($"pinned: cold, cache CPU ≤ {ColdOverSha256:F1}× one core's SHA-256 CPU for the same bytes",
            blobs.Count == 0 ? "—" : string.Join(", ", cold.Select(c => $"{c.Name}: {Format.Ratio(c.Ratio)}")) + $" (SHA-256: {Format.Ms(floor.SecondsPerGiB)}/GiB, {floor.Tool}){failed}",
            blobs.Count == 0 || double.IsNaN(floor.SecondsPerGiB) ? null : ok && cold.All(c => c.Ratio <= ColdOverSha256));
        row($"pinned: cold ≥ {ColdMiBPerSecond:F0} MiB/s with the cache on a core of its own",
            blobs.Count == 0 ? "—" : string.Join(", ", cold.Select(c => $"{c.Name}: {Format.Number(c.MiB)} MiB/s")) + failed,
            blobs.Count == 0 ? null : ok && cold.All(c => c.MiB >= ColdMiBPerSecond));

        var warm = blobs.Select(b => (b.Name, Cpu: CpuPerGiB(r, b.Name, Oci, "warm"))).ToList();
        row($"pinned: warm, ≤ {Format.Ms(WarmSecondsPerGiB)} of cache CPU per GiB",
            blobs.Count == 0 ? "—" : string.Join(", ", warm.Select(w => $"{w.Name}: {Format.Ms(w.Cpu)}/GiB")) + failed,
            blobs.Count == 0 ? null : ok && warm.All(w => w.Cpu <= WarmSecondsPerGiB));

        var many = Concurrent(r, Oci);
        row($"pinned: {options.PinnedClients} concurrent cold clients of one blob, cache CPU ≤ {ConcurrentOverOne:F1}× one client's",
            many is null ? "—" : $"{Format.Ms(many.Value.Cpu)} vs {Format.Ms(many.Value.One)} ({Format.Ratio(many.Value.Ratio)}), {many.Value.Succeeded}",
            many is null ? null : many.Value.AllOk && many.Value.Ratio <= ConcurrentOverOne);
    }

    public static void Section(StringBuilder md, Results r)
    {
        md.AppendLine("## Pinned: cache CPU per byte on a core of its own").AppendLine();
        if (r.Pinned.Count == 0)
        {
            md.AppendLine("Not measured in this run.").AppendLine();
            return;
        }

        md.AppendLine($"The cache under test alone on CPU 1, its upstream (a distribution registry) and the curl clients on CPU 0 (`taskset`), all on 127.0.0.1; " +
            $"{r.Pinned.Where(s => s.Clients == 1).Select(s => s.Round).Distinct().Count()} rounds, caches interleaved. Cold: the cache restarted empty; warm: the same cache again. " +
            "Cache CPU is its utime+stime (`/proc/PID/stat`, 10 ms ticks) from just before the request until the blob is stored, so a fill's publish and the distribution " +
            "proxy's background second copy count; throughput is the blob's size over the median time. Targets are the issue's, for ocicache; distribution is shown beside it. " +
            "Other builds may share the machine: CPU time is steadier than wall time under such load, but neither is clean.").AppendLine();

        md.AppendLine("**SHA-256 floor** (on CPU 1, in CPU time): the one cost a cold fill cannot avoid. The lowest is the reference.").AppendLine();
        md.AppendLine("| Tool | When | Hashed | CPU | CPU per GiB | MiB per CPU-second |").AppendLine("|---|---|---|---|---|---|");
        foreach (var s in r.PinnedSha256)
        {
            md.AppendLine($"| {(s.Tool == Sha256Floor.OpenSsl ? "`openssl speed -evp sha256 -bytes 16384`" : ".NET `IncrementalHash` SHA-256, 1 MiB steps")} | {s.When} | " +
                $"{Format.Bytes(s.Bytes)} | {Format.Ms(s.CpuSeconds)} | {Format.Ms(s.SecondsPerGiB)} | {Format.MiB(s.Bytes / s.CpuSeconds)} |");
        }

        md.AppendLine();
        var floor = Sha256(r);
        md.AppendLine("| Blob | Cache | Phase | Throughput (median) | Cache CPU (median) | CPU per GiB (median / min / max) | × SHA-256 | OK | Target | |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (name, bytes) in Blobs(r))
        {
            foreach (var (peer, phase) in new[] { (Oci, "cold"), (Dist, "cold"), (Oci, "warm"), (Dist, "warm") })
            {
                var samples = Single(r, name, peer, phase).ToList();
                var perGiB = samples.Where(s => s.Ok).Select(s => s.CpuSeconds / s.BlobBytes * GiB).ToList();
                var median = Stats.Median(perGiB);
                var mib = MiBPerSecond(r, name, bytes, peer, phase);
                var (target, met) = (peer, phase) switch
                {
                    (Oci, "cold") => ($"≤ {ColdOverSha256:F2}× SHA-256, ≥ {ColdMiBPerSecond:F0} MiB/s",
                        Verdict(perGiB.Count == 0 || double.IsNaN(floor.SecondsPerGiB) ? null : median / floor.SecondsPerGiB <= ColdOverSha256 && mib >= ColdMiBPerSecond)),
                    (Oci, "warm") => ($"≤ {Format.Ms(WarmSecondsPerGiB)}/GiB", Verdict(perGiB.Count == 0 ? null : median <= WarmSecondsPerGiB)),
                    _ => ("—", ""),
                };
                md.AppendLine($"| {name} ({Format.Bytes(bytes)}) | {peer} | {phase} | {(double.IsNaN(mib) ? "—" : Format.Number(mib, "F1") + " MiB/s")} | " +
                    $"{Format.Ms(Stats.Median(samples.Where(s => s.Ok).Select(s => s.CpuSeconds)))} | " +
                    $"{Format.Ms(median)} / {Format.Ms(perGiB.Count == 0 ? double.NaN : perGiB.Min())} / {Format.Ms(perGiB.Count == 0 ? double.NaN : perGiB.Max())} | " +
                    $"{(phase == "cold" ? Format.Ratio(median / floor.SecondsPerGiB) : "")} | {samples.Count(s => s.Ok)}/{samples.Count} | {target} | {met} |");
            }
        }

        md.AppendLine();
        var concurrent = r.Pinned.Where(s => s.Clients > 1).ToList();
        if (concurrent.Count > 0)
        {
            md.AppendLine($"**Concurrent cold clients**: {concurrent[0].Clients} curl processes started together on an empty cache; its CPU until the blob is stored, " +
                "against one client's median cold CPU for the same blob above. One fetch and one hash for everyone would add only the copies to the clients.").AppendLine();
            md.AppendLine("| Cache | Clients | Blob | Wall time (median) | Cache CPU (median) | One client cold | Ratio | Succeeded | Target | |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var peer in new[] { Oci, Dist })
            {
                if (Concurrent(r, peer) is not { } c)
                {
                    continue;
                }

                md.AppendLine($"| {peer} | {c.Clients} | {c.Blob} | {Format.Seconds(c.Wall)} | {Format.Ms(c.Cpu)} | {Format.Ms(c.One)} | {Format.Ratio(c.Ratio)} | {c.Succeeded} | " +
                    $"{(peer == Oci ? $"≤ {ConcurrentOverOne:F2}×" : "—")} | {(peer == Oci ? Verdict(c.AllOk && c.Ratio <= ConcurrentOverOne) : "")} |");
            }

            md.AppendLine();
        }

        var failures = r.Pinned.Where(s => !s.Ok).ToList();
        foreach (var f in failures)
        {
            md.AppendLine($"- failed: {f.Phase} {f.Blob} via {f.Peer}, {f.Clients} client(s), round {f.Round}: `{MarkdownReport.Flatten(f.Error)}`");
        }

        if (failures.Count > 0)
        {
            md.AppendLine();
        }
    }

    private static string Verdict(bool? met) => met is null ? "not measured" : met.Value ? "met" : "**missed**";

    /// <summary>The reference floor: the lowest CPU per GiB of openssl's measures, or of .NET's without openssl.</summary>
    private static (double SecondsPerGiB, string Tool) Sha256(Results r)
    {
        var tool = r.PinnedSha256.Any(s => s.Tool == Sha256Floor.OpenSsl) ? Sha256Floor.OpenSsl : Sha256Floor.DotNet;
        var samples = r.PinnedSha256.Where(s => s.Tool == tool).ToList();
        return (samples.Count == 0 ? double.NaN : samples.Min(s => s.SecondsPerGiB), tool);
    }

    private static IReadOnlyList<(string Name, long Bytes)> Blobs(Results r) =>
        r.Pinned.Where(s => s.Clients == 1).Select(s => (s.Blob, s.BlobBytes)).Distinct().OrderBy(b => b.BlobBytes).ToList();

    private static IEnumerable<PinnedSample> Single(Results r, string blob, string peer, string phase) =>
        r.Pinned.Where(s => s.Blob == blob && s.Peer == peer && s.Phase == phase && s.Clients == 1);

    private static double CpuPerGiB(Results r, string blob, string peer, string phase) =>
        Stats.Median(Single(r, blob, peer, phase).Where(s => s.Ok).Select(s => s.CpuSeconds / s.BlobBytes * GiB));

    /// <summary>The blob's size over the median time, in MiB/s.</summary>
    private static double MiBPerSecond(Results r, string blob, long bytes, string peer, string phase) =>
        bytes / (double)(1L << 20) / Stats.Median(Single(r, blob, peer, phase).Where(s => s.Ok).Select(s => s.Seconds));

    private static (string Blob, int Clients, double Wall, double Cpu, double One, double Ratio, string Succeeded, bool AllOk)? Concurrent(Results r, string peer)
    {
        var rows = r.Pinned.Where(s => s.Peer == peer && s.Clients > 1).ToList();
        if (rows.Count == 0)
        {
            return null;
        }

        var cpu = Stats.Median(rows.Where(s => s.Ok).Select(s => s.CpuSeconds));
        var one = Stats.Median(Single(r, rows[0].Blob, peer, "cold").Where(s => s.Ok).Select(s => s.CpuSeconds));
        return ($"{rows[0].Blob} ({Format.Bytes(rows[0].BlobBytes)})", rows[0].Clients, Stats.Median(rows.Select(s => s.Seconds)), cpu, one, cpu / one,
            $"{rows.Sum(s => s.Succeeded)}/{rows.Sum(s => s.Clients)}", rows.All(s => s.Ok));
    }
}
