using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// Requests per second and latency of warm manifest HEADs, by tag and by digest: the caches hold the
/// image (pulled once), then each peer in turn gets a fixed-time closed-loop load, two rounds.
/// </summary>
internal static class HeadLoadScenario
{
    public static async Task RunAsync(Bench bench)
    {
        var image = bench.Image(bench.Options.ConcurrencyImage);
        foreach (var peer in bench.Caches)
        {
            await bench.ColdStartAsync(peer);
            await bench.WarmAsync(peer, [image]);
        }

        for (var round = 0; round < 2; round++)
        {
            foreach (var peer in Bench.Rotate(bench.Peers, round))
            {
                foreach (var (by, reference) in new[] { ("tag", image.Tag), ("digest", image.Root.Digest) })
                {
                    var result = await HeadLoad.RunAsync(peer.Url(image, "manifests", reference), bench.Options.HeadLoadConnections,
                        bench.Options.HeadLoadDuration, TimeSpan.FromSeconds(1));
                    bench.Results.HeadLoad.Add(new HeadLoadRow(peer.Name, by, round, result.RequestsPerSecond, result.P50, result.P99, result.Requests, result.Failures));
                    bench.Log($"HEAD by {by,-6} {peer.Name,-12} {result.RequestsPerSecond:F0} req/s, p50 {Format.Ms(result.P50)}, p99 {Format.Ms(result.P99)}, {result.Failures} failed");
                }
            }
        }
    }
}
