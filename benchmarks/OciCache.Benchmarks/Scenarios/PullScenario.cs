using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// Cold and warm <c>ctr images pull</c> of every image through every peer, interleaved: per round, per
/// image, each peer in turn (rotated each round) is restarted empty, pulled through (cold), and pulled
/// through again (warm; the caches only). containerd forgets everything before each pull.
/// </summary>
internal static class PullScenario
{
    public static async Task RunAsync(Bench bench)
    {
        for (var round = 0; round < bench.Options.Rounds; round++)
        {
            foreach (var spec in bench.Options.PullImages)
            {
                var image = bench.Image(spec);
                foreach (var peer in Bench.Rotate(bench.Peers, round))
                {
                    if (peer.Caches)
                    {
                        await bench.ColdStartAsync(peer);
                    }

                    var timeout = TimeSpan.FromSeconds(60 + image.PullBytes / (bench.Topology.Wan ? 2_000_000.0 : 20_000_000.0));
                    foreach (var phase in peer.Caches ? new[] { "cold", "warm" } : ["cold"])
                    {
                        if (phase == "warm")
                        {
                            await peer.WaitUntilStoredAsync(image, TimeSpan.FromMinutes(10));
                        }

                        var pull = await bench.Containerd.PullAsync(peer, image, timeout);
                        bench.Results.Pulls.Add(new PullSample(image.Name, peer.Name, phase, round, pull.Elapsed.TotalSeconds, pull.Ok, pull.Ok ? "" : pull.Describe));
                        bench.Log($"pull {phase,-4} {image.Name,-10} {peer.Name,-12} {(pull.Ok ? Format.Seconds(pull.Elapsed.TotalSeconds) : "FAILED " + pull.Describe)}");
                    }
                }
            }
        }
    }
}
