using System.Diagnostics;
using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Reporting;
using OciCache.Testing;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// Startup time (process start to the first successful answer), idle RSS (3 s after an empty start),
/// and peak RSS while eight curl clients fetch one big cold blob at once. For that last part the WAN's
/// rate limit is lifted (the delay stays): the fetches then run as fast as the two cores allow, which
/// is the hardest case for memory and keeps the distribution proxy's eight separate upstream copies
/// from taking minutes.
/// </summary>
internal static class FootprintScenario
{
    public static async Task StartupAsync(Bench bench)
    {
        foreach (var peer in bench.Caches)
        {
            var startups = new List<double>();
            for (var i = 0; i < bench.Options.StartupRounds; i++)
            {
                await peer.RestartEmptyAsync();
                startups.Add(peer.LastStartup.TotalSeconds);
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
            var idle = peer.Process!.RssBytes();
            await bench.WarmUpAsync(peer);
            await Task.Delay(TimeSpan.FromSeconds(3));
            var idleAfterWork = peer.Process!.RssBytes();
            bench.Results.Startup.Add(new StartupRow(peer.Name, Stats.Median(startups), startups.Max(), idle, idleAfterWork));
            bench.Log($"startup {peer.Name,-12} median {Format.Ms(Stats.Median(startups))}, max {Format.Ms(startups.Max())}, " +
                $"idle RSS {Format.Bytes(idle)}, after a first pull {Format.Bytes(idleAfterWork)}");
        }
    }

    public static async Task ConcurrentBlobAsync(Bench bench)
    {

        var image = bench.Image(bench.Options.FootprintImage);
        var blob = image.LargestLayer;
        var clients = bench.Options.FootprintClients;
        await bench.Topology.SetRateLimitAsync(on: false);
        try
        {
            foreach (var peer in bench.Caches)
            {
                await bench.ColdStartAsync(peer);
                var mark = bench.Upstream.Mark();
                var clock = Stopwatch.StartNew();
                long peak;
                CurlResult[] gets;
                await using (var sampler = new RssSampler(() => peer.Process?.RssBytes() ?? 0))
                {
                    gets = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ =>
                        Curl.GetAsync(peer.Url(image, "blobs", blob.Digest), TimeSpan.FromMinutes(10))));
                    peak = sampler.Peak;
                }

                var wall = clock.Elapsed.TotalSeconds;
                await Task.Delay(500);
                var (bytes, _) = bench.Upstream.BytesSince(mark);
                var ok = gets.Count(g => g.Ok && g.Bytes == blob.Size);
                bench.Results.Footprint.Add(new FootprintRow(peer.Name, clients, blob.Size, wall, ok, bytes, peak));
                bench.Log($"footprint {peer.Name,-12} {clients} × {Format.Bytes(blob.Size)} cold: {Format.Seconds(wall)}, {ok}/{clients} ok, " +
                    $"upstream {Format.Bytes(bytes)}, peak RSS {Format.Bytes(peak)}");
            }
        }
        finally
        {
            await bench.Topology.SetRateLimitAsync(on: true);
        }
    }
}
