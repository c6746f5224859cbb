using System.Diagnostics;
using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;
using OciCache.Benchmarks.Peers;
using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks.Scenarios;

/// <summary>
/// One replica against three on one machine (issue 22), every setup started fresh on a database and a
/// bucket of its own, so every round is cold. Measured, as ratios and deltas (two shared cores make
/// absolute throughput meaningless):
/// <list type="number">
/// <item>upstream copies of one big blob fetched cold by 12 clients at once through HAProxy, in front of 3
/// replicas and of 1 (goal: one GET of the blob either way);</item>
/// <item>time to first byte of the cold blob: one embedded replica (SQLite and the data folder, today's
/// default), one replica on PostgreSQL and S3, three behind HAProxy (goal: within 50 ms of one replica);</item>
/// <item>warm reads through HAProxy, 3 replicas against 1;</item>
/// <item>the fill lease's cost: the second setup's first byte against the first's (it is derived from 2).</item>
/// </list>
/// Like the fast-link scenario it runs on 127.0.0.1 of the harness's namespace in every mode, with an
/// upstream of its own over the seeded storage: PostgreSQL, RGW and HAProxy are loopback services.
/// </summary>
internal static class ScaleOutScenario
{
    public static async Task RunAsync(Bench bench)
    {
        var options = bench.Options;
        foreach (var cache in bench.Caches)
        {
            await cache.StopAsync();
        }

        var directory = Path.Combine(bench.RunDirectory, "scale-out");
        Directory.CreateDirectory(directory);
        await using var upstream = new UpstreamRegistry(Topology.Loopback(), options.WorkDirectory, directory);
        await upstream.StartAsync();
        var image = bench.Image(options.ScaleOutImage);
        var blob = image.LargestLayer;
        bench.Results.ScaleOutBlob = $"{image.Name}: {Format.Bytes(blob.Size)} layer";

        // Read once from the upstream before any round, so no round pays for reading it from disk.
        var prime = await BlobGet.FetchAsync(new Uri($"{upstream.Url}/v2/{image.Repository}/blobs/{blob.Digest}"), TimeoutFor(blob.Size));
        if (!prime.Ok || prime.Bytes != blob.Size)
        {
            throw new InvalidOperationException($"scale-out: reading {image.Name} from the upstream failed: {(prime.Ok ? $"{prime.Bytes} of {blob.Size} bytes" : prime.Error)}");
        }

        // The memstore is RAM, used only as objects are written, and removed buckets free theirs only hours
        // later: room for every published copy of a run (one per cold set) and some spare.
        var published = 2 * options.ScaleOutCopiesRounds + 2 * options.ScaleOutFirstByteRounds + 2;
        await using var backends = await ClusterBackends.StartAsync(Math.Max(1L << 30, (published + 2) * blob.Size), bench.Log);
        bench.Log($"scale-out: {backends.Describe}; upstream {upstream.Url}");
        var scale = new Context(bench, upstream, backends, directory, image, blob);

        var replicaCounts = new[] { 1, options.ScaleOutReplicas };
        for (var round = 0; round < options.ScaleOutCopiesRounds; round++)
        {
            foreach (var replicas in Bench.Rotate(replicaCounts, round))
            {
                await CopiesAsync(scale, replicas, round);
            }
        }

        for (var round = 0; round < options.ScaleOutFirstByteRounds; round++)
        {
            foreach (var setup in Bench.Rotate([Setup.Embedded, Setup.ClusterOne, Setup.ClusterBehindProxy], round))
            {
                await FirstByteAsync(scale, setup, round);
            }
        }

        await WarmAsync(scale);
    }

    /// <summary>
    /// 12 clients started together on a fresh set behind HAProxy; the wall time runs to the last byte of the
    /// last client. The upstream's GETs of the blob are counted once the set has published it, so a second
    /// fetch by any replica is in them.
    /// </summary>
    private static async Task CopiesAsync(Context scale, int replicas, int round)
    {
        var (bench, blob) = (scale.Bench, scale.Blob);
        var clients = bench.Options.ScaleOutClients;
        await using var set = await scale.StartAsync(replicas, proxied: true, $"copies{replicas}_r{round}");
        var mark = scale.Upstream.Mark();
        var clock = Stopwatch.StartNew();
        var gets = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ =>
            BlobGet.FetchAsync(set.Url(scale.Image, "blobs", blob.Digest), TimeoutFor(clients * blob.Size))));
        var wall = clock.Elapsed.TotalSeconds;
        await set.WaitUntilStoredAsync(scale.Image, blob, TimeSpan.FromMinutes(5));
        await Task.Delay(500); // the access log line of the last upstream response
        var blobGets = scale.Upstream.BlobGetsSince(mark, blob.Digest);
        var (bytes, _) = scale.Upstream.BytesSince(mark);
        var ok = gets.Count(g => g.Ok && g.Bytes == blob.Size);
        var error = gets.FirstOrDefault(g => !g.Ok || g.Bytes != blob.Size) is { } failed ? Describe(failed, blob) : "";
        bench.Results.ScaleOutCopies.Add(new ScaleOutCopiesRow(replicas, round, clients, blob.Size, wall, ok, blobGets, bytes, set.Spread(), error));
        bench.Log($"scale-out {clients} cold clients, {set.Name,-26} {Format.Seconds(wall)}, {ok}/{clients} ok, upstream GETs of the blob: {blobGets} " +
            $"({bytes / (double)blob.Size:F2} copies), HAProxy spread {set.Spread()} {error}");
    }

    /// <summary>Headers and first byte of the cold blob on a new connection to a fresh set, which is stopped right after.</summary>
    private static async Task FirstByteAsync(Context scale, Setup setup, int round)
    {
        var bench = scale.Bench;
        var replicas = setup == Setup.ClusterBehindProxy ? bench.Options.ScaleOutReplicas : 1;
        await using var set = await scale.StartAsync(replicas, setup == Setup.ClusterBehindProxy, $"ttfb{(int)setup}_r{round}", cluster: setup != Setup.Embedded);
        var sample = await FirstByte.MeasureAsync(set.Url(scale.Image, "blobs", scale.Blob.Digest), TimeSpan.FromSeconds(60));
        bench.Results.ScaleOutFirstBytes.Add(new ScaleOutFirstByteSample(set.Name, round, sample.HeadersSeconds, sample.FirstByteSeconds, sample.Ok, sample.Error));
        bench.Log($"scale-out first byte {set.Name,-26} headers {Format.Ms(sample.HeadersSeconds)}, first byte {Format.Ms(sample.FirstByteSeconds)} {sample.Error}");
    }

    /// <summary>
    /// Both sets (1 and 3 replicas behind HAProxy) running side by side, each filled once and published; then,
    /// interleaved per round, several clients read the blob at once through each proxy. The upstream's GETs of
    /// the blob during the reads are recorded: any means a read was not warm.
    /// </summary>
    private static async Task WarmAsync(Context scale)
    {
        var (bench, blob, options) = (scale.Bench, scale.Blob, scale.Bench.Options);
        await using var one = await scale.StartAsync(1, proxied: true, "warm1");
        await using var many = await scale.StartAsync(options.ScaleOutReplicas, proxied: true, $"warm{options.ScaleOutReplicas}");
        foreach (var set in new[] { one, many })
        {
            var fill = await BlobGet.FetchAsync(set.Url(scale.Image, "blobs", blob.Digest), TimeoutFor(blob.Size));
            if (!fill.Ok || fill.Bytes != blob.Size)
            {
                throw new InvalidOperationException($"scale-out: filling {set.Name} with {scale.Image.Name} failed: {Describe(fill, blob)}");
            }

            await set.WaitUntilStoredAsync(scale.Image, blob, TimeSpan.FromMinutes(5));
        }

        var mark = scale.Upstream.Mark();
        var clients = options.ScaleOutThroughputClients;
        for (var round = 0; round < options.ScaleOutThroughputRounds; round++)
        {
            foreach (var set in Bench.Rotate([one, many], round))
            {
                var clock = Stopwatch.StartNew();
                var gets = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ =>
                    BlobGet.FetchAsync(set.Url(scale.Image, "blobs", blob.Digest), TimeoutFor(clients * blob.Size))));
                var wall = clock.Elapsed.TotalSeconds;
                var ok = gets.Count(g => g.Ok && g.Bytes == blob.Size);
                var error = gets.FirstOrDefault(g => !g.Ok || g.Bytes != blob.Size) is { } failed ? Describe(failed, blob) : "";
                var sample = new ScaleOutThroughputSample(set.Replicas.Count, round, clients, wall, gets.Sum(g => g.Bytes), ok, error);
                bench.Results.ScaleOutThroughput.Add(sample);
                bench.Log($"scale-out warm {clients} clients, {set.Name,-26} {Format.Seconds(wall)}, {Format.MiB(sample.BytesPerSecond)} MiB/s in all, {ok}/{clients} ok {error}");
            }
        }

        await Task.Delay(500); // the access log line of a last upstream response, if any
        bench.Results.ScaleOutWarmUpstreamGets = scale.Upstream.BlobGetsSince(mark, blob.Digest);
    }

    private static string Describe(BlobGetResult get, BlobRef blob) => get.Ok ? $"{get.Bytes} of {blob.Size} bytes" : get.Error;

    // Generous: a loopback GET slower than 20 MB/s is broken, not slow.
    private static TimeSpan TimeoutFor(long bytes) => TimeSpan.FromSeconds(60 + bytes / 20_000_000.0);

    /// <summary>The setups whose first byte is compared.</summary>
    private enum Setup
    {
        Embedded,
        ClusterOne,
        ClusterBehindProxy,
    }

    /// <summary>What every measurement of the scenario shares.</summary>
    private sealed record Context(Bench Bench, UpstreamRegistry Upstream, ClusterBackends Backends, string Directory, GeneratedImage Image, BlobRef Blob)
    {
        public Task<ReplicaSet> StartAsync(int replicas, bool proxied, string label, bool cluster = true) =>
            ReplicaSet.StartAsync(Bench, Upstream.Url, Directory, cluster ? Backends : null, replicas, proxied, label);
    }
}
