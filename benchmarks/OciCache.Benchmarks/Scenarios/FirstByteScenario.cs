using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// Time to first byte of the big layer, cold: what containerd's 30 s response-header timeout is about.
/// Each sample restarts the cache empty, takes headers and the first byte on a new connection, and
/// stops the cache again so its background fill does not share the WAN with the next sample.
/// </summary>
internal static class FirstByteScenario
{
    public static async Task RunAsync(Bench bench)
    {
        var image = bench.Image(bench.Options.BigImage);
        var layer = image.LargestLayer;
        bench.Results.FirstByteBlob = $"{image.Name}: {Format.Bytes(layer.Size)} layer";
        for (var round = 0; round < bench.Options.FirstByteRounds; round++)
        {
            foreach (var peer in Bench.Rotate(bench.Peers, round))
            {
                if (peer.Caches)
                {
                    await bench.ColdStartAsync(peer);
                }

                var sample = await FirstByte.MeasureAsync(peer.Url(image, "blobs", layer.Digest), TimeSpan.FromSeconds(60));
                await peer.StopAsync();
                bench.Results.FirstBytes.Add(new FirstByteSample(peer.Name, round, sample.HeadersSeconds, sample.FirstByteSeconds, sample.Ok, sample.Error));
                bench.Log($"first byte {peer.Name,-12} headers {Format.Ms(sample.HeadersSeconds)}, first byte {Format.Ms(sample.FirstByteSeconds)} {sample.Error}");
                await Task.Delay(TimeSpan.FromSeconds(1)); // let the abandoned transfer drain from the link
            }
        }
    }
}
