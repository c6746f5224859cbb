using System.Diagnostics;
using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Reporting;
using OciCache.Testing;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// N skopeo clients copy the same image through a cold peer at once. Measured: the wall time until the
/// last finished, the upstream's bytes and blob GETs (from its access log: a cache that fetches once
/// sends one copy), and the cache's peak RSS.
/// </summary>
internal static class ConcurrencyScenario
{
    public static async Task RunAsync(Bench bench)
    {
        var image = bench.Image(bench.Options.ConcurrencyImage);
        bench.Results.ConcurrencyImage = $"{image.Name} ({image.Title}, {Format.Bytes(image.PullBytes)})";
        var round = 0;
        foreach (var clients in bench.Options.ClientCounts)
        {
            foreach (var peer in Bench.Rotate(bench.Peers, round++))
            {
                if (peer.Caches)
                {
                    await bench.ColdStartAsync(peer);
                }

                var mark = bench.Upstream.Mark();
                var timeout = TimeSpan.FromSeconds(60 + clients * image.PullBytes / (bench.Topology.Wan ? 2_000_000.0 : 20_000_000.0));
                var clock = Stopwatch.StartNew();
                long peak;
                ExecResultsSummary summary;
                await using (var sampler = new RssSampler(() => peer.Process?.RssBytes() ?? 0))
                {
                    var copies = await Task.WhenAll(Enumerable.Range(0, clients).Select(i =>
                        Clients.Skopeo.CopyAsync(peer, image, Path.Combine(bench.RunDirectory, "skopeo", $"{peer.Name}-{i}"), timeout)));
                    summary = new ExecResultsSummary(clock.Elapsed.TotalSeconds,
                        Stats.Median(copies.Select(c => c.Elapsed.TotalSeconds)), copies.Count(c => c.Ok),
                        copies.FirstOrDefault(c => !c.Ok)?.Describe ?? "");
                    peak = sampler.Peak;
                }

                await Task.Delay(500); // the access log line of the last response
                var (bytes, gets) = bench.Upstream.BytesSince(mark);
                bench.Results.Concurrency.Add(new ConcurrencyRow(peer.Name, clients, summary.Wall, summary.MedianClient, summary.Succeeded,
                    bytes, gets, image.PullBytes, peak, summary.Error));
                bench.Log($"{clients,2} clients {peer.Name,-12} {Format.Seconds(summary.Wall)}, {summary.Succeeded}/{clients} ok, upstream {Format.Bytes(bytes)} " +
                    $"({bytes / (double)image.PullBytes:F2} copies, {gets} blob GETs), peak RSS {Format.Bytes(peak)} {summary.Error}");
            }
        }
    }

    private sealed record ExecResultsSummary(double Wall, double MedianClient, int Succeeded, string Error);
}
