using System.Diagnostics;
using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;
using OciCache.Benchmarks.Peers;
using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// What a cache spends per byte when it has a core of its own: the cache under test alone on CPU 1,
/// its upstream and the curl clients on CPU 0 (<c>taskset</c>), all on 127.0.0.1. The figure is the
/// cache's CPU time (utime+stime from /proc) per transfer, set against the single-core cost of
/// SHA-256 measured on the same CPU in the same run, the one cost a cold fill cannot avoid; MiB/s are
/// given beside it.
/// <code>
///   CPU 0: upstream registry ◄─── CPU 1: cache under test ◄─── CPU 0: curl (1, or 8 at once)
/// </code>
/// Per round, for each blob and each cache (ocicache, the distribution proxy; rotated): restarted
/// empty, fetched cold, then warm. Then 8 clients fetch one cold blob at once, against one client's
/// cold CPU. Like the fast-link scenario it brings its own peers and upstream (over the seeded storage).
/// </summary>
internal static class PinnedScenario
{
    public static async Task RunAsync(Bench bench)
    {
        var options = bench.Options;
        var (cacheCpu, otherCpu) = (options.PinnedCacheCpu, options.PinnedOtherCpu);
        if (Environment.ProcessorCount <= Math.Max(cacheCpu, otherCpu))
        {
            throw new InvalidOperationException($"pinned: needs CPUs {otherCpu} and {cacheCpu}; this harness may use {Environment.ProcessorCount}");
        }

        foreach (var cache in bench.Caches)
        {
            await cache.StopAsync();
        }

        var directory = Path.Combine(bench.RunDirectory, "pinned");
        Directory.CreateDirectory(directory);
        var loopback = Topology.Loopback();
        await using var upstream = new UpstreamRegistry(loopback, options.WorkDirectory, directory, otherCpu);
        await upstream.StartAsync();
        await using var ociCache = new OciCachePeer(options.OciCacheExecutable, loopback, upstream.Url, directory, cacheCpu);
        await using var distribution = new DistributionProxyPeer(loopback, upstream.Url, directory, cacheCpu);
        await using var direct = new DirectPeer(upstream);
        bench.Log($"pinned: caches on CPU {cacheCpu}, upstream ({upstream.Url}) and curl on CPU {otherCpu}");

        await MeasureSha256Async(bench, "before the transfers");
        var images = options.PinnedImages.Select(bench.Image).ToList();
        foreach (var image in images)
        {
            // Once from the upstream before any measurement, so no round pays for reading it from disk.
            var prime = await Curl.GetAsync(direct.Url(image, "blobs", image.LargestLayer.Digest), TimeoutFor(image.LargestLayer.Size), otherCpu);
            if (!prime.Ok || prime.Bytes != image.LargestLayer.Size)
            {
                throw new InvalidOperationException($"pinned: reading {image.Name} from the upstream failed: {prime.Error}");
            }
        }

        for (var round = 0; round < options.PinnedRounds; round++)
        {
            foreach (var image in images)
            {
                foreach (var peer in Bench.Rotate<Peer>([ociCache, distribution], round))
                {
                    await bench.ColdStartAsync(peer);
                    await MeasureAsync(bench, peer, image, "cold", 1, round);
                    await MeasureAsync(bench, peer, image, "warm", 1, round);
                }
            }
        }

        var concurrent = bench.Image(options.PinnedConcurrentImage);
        for (var round = 0; round < options.PinnedConcurrencyRounds; round++)
        {
            foreach (var peer in Bench.Rotate<Peer>([ociCache, distribution], round))
            {
                await bench.ColdStartAsync(peer);
                await MeasureAsync(bench, peer, concurrent, "cold", options.PinnedClients, round);
            }
        }

        await MeasureSha256Async(bench, "after the transfers");
    }

    /// <summary>
    /// <paramref name="clients"/> curl GETs of the blob started together; the cache's CPU is read before
    /// them and again once the blob is stored, so a cold fill's work after the last byte (publishing, the
    /// distribution proxy's second, background copy) counts. A warm blob is stored already.
    /// </summary>
    private static async Task MeasureAsync(Bench bench, Peer peer, GeneratedImage image, string phase, int clients, int round)
    {
        var blob = image.LargestLayer;
        var url = peer.Url(image, "blobs", blob.Digest);
        var pid = peer.Process?.Pid ?? throw new InvalidOperationException($"pinned: {peer.Name} is not running");
        var before = await CpuClock.ReadAsync(pid);
        var clock = Stopwatch.StartNew();
        var gets = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Curl.GetAsync(url, TimeoutFor(clients * blob.Size), bench.Options.PinnedOtherCpu)));
        var seconds = clients == 1 ? gets[0].TotalSeconds : clock.Elapsed.TotalSeconds;
        await peer.WaitUntilStoredAsync(image with { HostBlobs = [blob] }, TimeSpan.FromMinutes(10));
        var cpu = await CpuClock.ReadAsync(pid) - before;

        var succeeded = gets.Count(g => g.Ok && g.Bytes == blob.Size);
        var error = gets.FirstOrDefault(g => !g.Ok || g.Bytes != blob.Size) is { } failed
            ? (failed.Ok ? $"{failed.Bytes} of {blob.Size} bytes" : failed.Error)
            : "";
        var sample = new PinnedSample(image.Name, blob.Size, peer.Name, phase, clients, round, seconds, cpu, succeeded, error);
        bench.Results.Pinned.Add(sample);
        bench.Log($"pinned {image.Name,-9} {peer.Name,-12} {phase}{(clients > 1 ? $" ×{clients}" : ""),-4} " + (sample.Ok
            ? $"{Format.Seconds(seconds)}, {Format.MiB(clients * blob.Size / seconds)} MiB/s, cache CPU {Format.Ms(cpu)} ({Format.Ms(cpu / blob.Size * (1L << 30))}/GiB)"
            : $"FAILED {succeeded}/{clients}: {error}"));
    }

    private static async Task MeasureSha256Async(Bench bench, string when)
    {
        var options = bench.Options;
        foreach (var sample in await Sha256Floor.MeasureAsync(options.PinnedCacheCpu, options.PinnedSha256Seconds, options.PinnedSha256MiB, when))
        {
            bench.Results.PinnedSha256.Add(sample);
            bench.Log($"pinned: SHA-256 on CPU {options.PinnedCacheCpu} ({sample.Tool}, {when}): {Format.Ms(sample.SecondsPerGiB)} of CPU per GiB, " +
                $"{Format.MiB(sample.Bytes / sample.CpuSeconds)} MiB per CPU-second");
        }
    }

    // Generous: a loopback GET slower than 20 MB/s is broken, not slow.
    private static TimeSpan TimeoutFor(long bytes) => TimeSpan.FromSeconds(60 + bytes / 20_000_000.0);
}
