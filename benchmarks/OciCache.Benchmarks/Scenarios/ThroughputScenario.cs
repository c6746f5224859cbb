using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// Warm blob throughput over the LAN: both caches hold the big layer (fetched once beforehand), then
/// curl downloads it from each in turn, several rounds.
/// </summary>
internal static class ThroughputScenario
{
    public static async Task RunAsync(Bench bench)
    {
        var image = bench.Image(bench.Options.BigImage);
        var layer = image.LargestLayer;
        bench.Results.ThroughputBlob = $"{image.Name}: {Format.Bytes(layer.Size)} layer";
        await bench.Topology.SetRateLimitAsync(on: false);
        try
        {
            foreach (var peer in bench.Caches)
            {
                await bench.ColdStartAsync(peer);
                var fill = await Curl.GetAsync(peer.Url(image, "blobs", layer.Digest), TimeSpan.FromMinutes(10));
                if (!fill.Ok)
                {
                    throw new InvalidOperationException($"warming {peer.Name} with the big layer failed: {fill.Error}");
                }

                await peer.WaitUntilStoredAsync(image with { HostBlobs = [layer] }, TimeSpan.FromMinutes(10));
            }
        }
        finally
        {
            await bench.Topology.SetRateLimitAsync(on: true);
        }

        for (var round = 0; round < bench.Options.ThroughputRounds; round++)
        {
            foreach (var peer in Bench.Rotate(bench.Caches, round))
            {
                var get = await Curl.GetAsync(peer.Url(image, "blobs", layer.Digest), TimeSpan.FromMinutes(5));
                var ok = get.Ok && get.Bytes == layer.Size;
                bench.Results.Throughput.Add(new ThroughputSample(peer.Name, round, get.BytesPerSecond, ok, ok ? "" : get.Error));
                bench.Log($"warm blob {peer.Name,-12} {Format.Bytes(get.BytesPerSecond)}/s {(ok ? "" : get.Error)}");
            }
        }
    }
}
