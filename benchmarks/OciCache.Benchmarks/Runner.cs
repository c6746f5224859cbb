using System.Text.Json;
using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;
using OciCache.Benchmarks.Peers;
using OciCache.Benchmarks.Reporting;
using OciCache.Benchmarks.Scenarios;

namespace OciCache.Benchmarks;

/// <summary>One run: images ready, upstream seeded, peers and containerd up, the scenarios in order, the report.</summary>
internal static class Runner
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var topology = options.Wan ? Topology.WithWan(options.RateMbit, options.OneWayDelayMs) : Topology.Loopback();
        var imagesDirectory = Path.Combine(options.WorkDirectory, "images");
        var runDirectory = Path.Combine(options.WorkDirectory, "run");
        await Exec.RunAsync(null, "rm", ["-rf", runDirectory]);
        Directory.CreateDirectory(runDirectory);
        Directory.CreateDirectory(options.ResultsDirectory);

        var started = DateTimeOffset.UtcNow;
        var images = options.AllImages.ToDictionary(s => s.Name, s => ImageGenerator.Ensure(s, imagesDirectory, m => Console.Error.WriteLine(m)));

        await using var upstream = new UpstreamRegistry(topology, options.WorkDirectory, runDirectory);
        await upstream.StartAsync();
        await upstream.SeedAsync(imagesDirectory, images.Values);
        await using var ociCache = new OciCachePeer(options.OciCacheExecutable, topology, upstream.Url, runDirectory, everyFeature: true);
        await using var distribution = new DistributionProxyPeer(topology, upstream.Url, runDirectory);
        await using var direct = new DirectPeer(upstream);
        await using var containerd = await ContainerdClient.StartAsync(runDirectory);
        var bench = new Bench(options, topology, upstream, ociCache, distribution, direct, containerd, images, runDirectory);
        bench.Results.Quick = options.Quick;
        bench.Results.Conditions["ocicache settings"] = OciCachePeer.EveryFeatureDescription + " (fast link, pinned and scale-out: defaults)";
        if (options.Note is not null)
        {
            bench.Results.Conditions["note"] = options.Note;
        }

        if (options.Only.Count > 0)
        {
            bench.Results.Conditions["scenarios"] = string.Join(", ", options.Only);
        }
        await RecordConditionsAsync(bench, started);
        bench.Results.Images.AddRange(options.PullImages.Select(s => images[s.Name])
            .Select(i => new ImageRow(i.Name, i.Title, i.PullBytes, i.Blobs.Count)));
        bench.Log($"{topology.Describe}; {(options.Quick ? "quick" : "full")} run");

        // Startup first, on a quiet machine; the offline scenario last, because it cuts the link.
        // A failing scenario is reported and the run goes on; results are saved after each one.
        var failed = 0;
        foreach (var (name, scenario) in Scenarios.Where(s => options.Only.Count == 0 || options.Only.Contains(s.Name)))
        {
            try
            {
                await scenario(bench);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
            {
                failed++;
                bench.Log($"scenario {name} failed: {e.Message}");
                bench.Results.Conditions[$"scenario {name}"] = "FAILED: " + e.Message.Split('\n')[0];
                foreach (var cache in bench.Caches)
                {
                    await cache.StopAsync();
                }

                await topology.SetRateLimitAsync(on: true);
            }

            await SaveAsync(bench, started, render: false);
        }

        var report = await SaveAsync(bench, started, render: true);
        Console.WriteLine(report);
        return failed == 0 ? 0 : 1;
    }

    public static readonly IReadOnlyList<(string Name, Func<Bench, Task> Run)> Scenarios =
    [
        ("startup", FootprintScenario.StartupAsync),
        ("pulls", PullScenario.RunAsync),
        ("first-byte", FirstByteScenario.RunAsync),
        ("throughput", ThroughputScenario.RunAsync),
        ("head-load", HeadLoadScenario.RunAsync),
        ("concurrency", ConcurrencyScenario.RunAsync),
        ("footprint", FootprintScenario.ConcurrentBlobAsync),
        ("fast-link", FastLinkScenario.RunAsync),
        ("pinned", PinnedScenario.RunAsync),
        ("scale-out", ScaleOutScenario.RunAsync),
        ("trust", TrustScenario.RunAsync),
        ("offline", OfflineScenario.RunAsync),
    ];

    private static async Task<string> SaveAsync(Bench bench, DateTimeOffset started, bool render)
    {
        var options = bench.Options;
        bench.Results.Conditions["finished"] = $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC ({(DateTimeOffset.UtcNow - started).TotalMinutes:F0} min)";
        bench.Results.Conditions["load average at the end"] = (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[..3].Aggregate((a, b) => $"{a} {b}");
        await File.WriteAllTextAsync(Path.Combine(options.ResultsDirectory, "results.json"), JsonSerializer.Serialize(bench.Results, Results.Json));
        return await WriteReportAsync(bench.Results, options.ResultsDirectory, charts: render, bench.Log);
    }

    /// <summary>Writes results.md (and the charts) from a run's results; also used to redraw a saved run.</summary>
    public static async Task<string> WriteReportAsync(Results results, string directory, bool charts, Action<string> log)
    {
        if (charts)
        {
            await Charts.WriteAsync(results, directory, log);
        }

        // Only the charts this run could draw.
        var report = string.Join('\n', MarkdownReport.Render(results).Split('\n')
            .Where(line => !line.StartsWith("![", StringComparison.Ordinal) || File.Exists(Path.Combine(directory, line[(line.LastIndexOf('(') + 1)..line.LastIndexOf(')')]))));
        if (File.Exists(Path.Combine(directory, "ANALYSIS.md")))
        {
            // A hand-written reading of this run (the profiles behind missed targets) sits beside it.
            report = report.Replace("\n## Targets\n", "\nHow to read these figures, and the profiles behind them: [ANALYSIS.md](ANALYSIS.md).\n\n## Targets\n");
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "results.md"), report);

        return report;
    }

    private static async Task RecordConditionsAsync(Bench bench, DateTimeOffset started)
    {
        async Task<string> Version(string file, params string[] arguments) =>
            (await Exec.RunAsync(null, file, arguments, TimeSpan.FromSeconds(10))).Stdout.Trim().Split('\n')[0];

        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var c = bench.Results.Conditions;
        c["started"] = $"{started:yyyy-MM-dd HH:mm} UTC";
        c["mode"] = bench.Options.Quick ? "quick (--quick)" : "full";
        c["network"] = bench.Topology.Describe;
        c["machine"] = $"{Environment.ProcessorCount} cores ({cpu}), {long.Parse(memory) >> 20} GiB, {(await Version("uname", "-sr"))}";
        c["load average at the start"] = (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[..3].Aggregate((a, b) => $"{a} {b}");
        c["ocicache"] = $"{bench.Options.OciCacheExecutable} ({Environment.GetEnvironmentVariable("OCIBENCH_OCICACHE_BUILD") ?? "build unknown"})";
        c["distribution"] = await Version("docker-registry", "--version");
        c["containerd"] = await Version("ctr", "--version");
        c["skopeo"] = await Version("skopeo", "--version");
        c["curl"] = await Version("curl", "--version");
        c["rounds"] = $"cold/warm pulls {bench.Options.Rounds}, first byte {bench.Options.FirstByteRounds}, throughput {bench.Options.ThroughputRounds}, HEAD load 2, concurrency 1, " +
            $"fast link {bench.Options.FastLinkRounds}, its {bench.Options.FastLinkClients} concurrent clients {bench.Options.FastLinkConcurrencyRounds}, " +
            $"pinned {bench.Options.PinnedRounds}, its {bench.Options.PinnedClients} concurrent clients {bench.Options.PinnedConcurrencyRounds}, " +
            $"scale-out: {bench.Options.ScaleOutClients} cold clients {bench.Options.ScaleOutCopiesRounds}, first byte {bench.Options.ScaleOutFirstByteRounds}, warm {bench.Options.ScaleOutThroughputRounds}, " +
            $"trust: {bench.Options.TrustRounds} rounds of a restart, {bench.Options.TrustManifestGets} manifest GETs and a warm pull per setup";
    }
}
