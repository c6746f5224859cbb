using System.Diagnostics;
using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;
using OciCache.Benchmarks.Peers;
using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// Big raw blob GETs (<see cref="BlobGet"/>, bytes dropped) where the network costs nothing, so what
/// is measured is each peer's own cost per byte: ocicache cold and warm, the distribution proxy cold
/// and warm, and a direct read from the upstream, interleaved per round. Then eight clients fetch one
/// cold blob at once.
/// <para>
/// The scenario brings its own peers and upstream, all on 127.0.0.1 of the harness's namespace, in
/// every mode: in a WAN run the other peers sit behind the tbf and the delaying relay, and lifting both
/// for a while would mean re-pointing the caches anyway. Its upstream is a second registry process
/// over the same storage folder, which the main upstream has already seeded.
/// </para>
/// </summary>
internal static class FastLinkScenario
{
    public static async Task RunAsync(Bench bench)
    {
        var options = bench.Options;

        // The main caches are idle, but the distribution proxy may still be storing in the background.
        foreach (var cache in bench.Caches)
        {
            await cache.StopAsync();
        }

        var directory = Path.Combine(bench.RunDirectory, "fast-link");
        Directory.CreateDirectory(directory);
        var loopback = Topology.Loopback();
        await using var upstream = new UpstreamRegistry(loopback, options.WorkDirectory, directory);
        await upstream.StartAsync();
        await using var ociCache = new OciCachePeer(options.OciCacheExecutable, loopback, upstream.Url, directory);
        await using var distribution = new DistributionProxyPeer(loopback, upstream.Url, directory);
        await using var direct = new DirectPeer(upstream);
        bench.Log($"fast link: peers and upstream on 127.0.0.1, no shaping ({upstream.Url})");

        var images = options.FastLinkImages.Select(bench.Image).ToList();
        foreach (var image in images)
        {
            // Once from the upstream before any measurement, so no round pays for reading it from disk.
            var prime = await BlobGet.FetchAsync(direct.Url(image, "blobs", image.LargestLayer.Digest), TimeoutFor(image.LargestLayer.Size));
            if (!prime.Ok || prime.Bytes != image.LargestLayer.Size)
            {
                throw new InvalidOperationException($"fast link: reading {image.Name} from the upstream failed: {Describe(prime, image.LargestLayer)}");
            }
        }

        for (var round = 0; round < options.FastLinkRounds; round++)
        {
            foreach (var image in images)
            {
                foreach (var peer in Bench.Rotate<Peer>([ociCache, distribution, direct], round))
                {
                    await MeasureAsync(bench, peer, image, round);
                }
            }
        }

        var concurrent = bench.Image(options.FastLinkConcurrentImage);
        for (var round = 0; round < options.FastLinkConcurrencyRounds; round++)
        {
            // direct: the same clients reading the upstream at once, what this machine can do at all
            // (the clients share its cores with the peers).
            foreach (var peer in Bench.Rotate<Peer>([ociCache, distribution, direct], round))
            {
                await ConcurrentAsync(bench, upstream, peer, concurrent, round);
            }
        }
    }

    /// <summary>A cache restarted empty, fetched cold, then warm once it has stored the blob; the direct peer once.</summary>
    private static async Task MeasureAsync(Bench bench, Peer peer, GeneratedImage image, int round)
    {
        var blob = image.LargestLayer;
        await bench.ColdStartAsync(peer);
        foreach (var phase in peer.Caches ? new[] { "cold", "warm" } : ["cold"])
        {
            if (phase == "warm")
            {
                await peer.WaitUntilStoredAsync(image with { HostBlobs = [blob] }, TimeSpan.FromMinutes(10));
            }

            var get = await BlobGet.FetchAsync(peer.Url(image, "blobs", blob.Digest), TimeoutFor(blob.Size));
            var ok = get.Ok && get.Bytes == blob.Size;
            bench.Results.FastLink.Add(new FastLinkSample(image.Name, blob.Size, peer.Name, phase, round, get.Seconds, ok, ok ? "" : Describe(get, blob)));
            bench.Log($"fast link {image.Name,-9} {peer.Name,-12} {phase}: " +
                (ok ? $"{Format.Seconds(get.Seconds)}, {Format.MiB(get.BytesPerSecond)} MiB/s" : "FAILED " + Describe(get, blob)));
        }
    }

    /// <summary>
    /// Clients started together on an empty cache; the wall time runs from their start to the last byte
    /// of the last one. Upstream bytes are counted once the cache has stored the blob, so the
    /// distribution proxy's background copy is in them.
    /// </summary>
    private static async Task ConcurrentAsync(Bench bench, UpstreamRegistry upstream, Peer peer, GeneratedImage image, int round)
    {
        var blob = image.LargestLayer;
        var clients = bench.Options.FastLinkClients;
        await bench.ColdStartAsync(peer);
        var mark = upstream.Mark();
        var clock = Stopwatch.StartNew();
        var gets = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ =>
            BlobGet.FetchAsync(peer.Url(image, "blobs", blob.Digest), TimeoutFor(clients * blob.Size))));
        var wall = clock.Elapsed.TotalSeconds;
        await peer.WaitUntilStoredAsync(image with { HostBlobs = [blob] }, TimeSpan.FromMinutes(10));
        await Task.Delay(500); // the access log line of the last upstream response
        var (bytes, _) = upstream.BytesSince(mark);
        var ok = gets.Count(g => g.Ok && g.Bytes == blob.Size);
        var error = gets.FirstOrDefault(g => !g.Ok || g.Bytes != blob.Size) is { } failed ? Describe(failed, blob) : "";
        bench.Results.FastLinkConcurrency.Add(new FastLinkConcurrencyRow(image.Name, blob.Size, peer.Name, clients, round, wall, ok, bytes, error));
        bench.Log($"fast link {clients} × {Format.Bytes(blob.Size)} cold {peer.Name,-12} {Format.Seconds(wall)}, {ok}/{clients} ok, upstream {Format.Bytes(bytes)}");
    }

    private static string Describe(BlobGetResult get, BlobRef blob) => get.Ok ? $"{get.Bytes} of {blob.Size} bytes" : get.Error;

    // Generous: a loopback GET that takes longer than 20 MB/s is broken, not slow.
    private static TimeSpan TimeoutFor(long bytes) => TimeSpan.FromSeconds(60 + bytes / 20_000_000.0);
}
