using System.Net;
using OciCache.Benchmarks;
using OciCache.Benchmarks.Images;
using OciCache.Testing;

// ocibench run   [--quick] [--no-wan] [--rate-mbit N] [--delay-ms N] [--rounds N] [--fast-link-rounds N] [--pinned-rounds N] [--note TEXT]
//                [--only a,b] [--images a,b]
//                --ocicache PATH --work DIR --results DIR
// ocibench report --results DIR [--note TEXT]                         (redraws results.md and the charts from results.json)
// ocibench relay --listen IP:PORT --target IP:PORT --delay-ms N      (the WAN's latency, run in the upstream namespace)
// ocibench seed  --registry URL --images DIR NAME...                  (pushes generated images, run beside the upstream)
// ocibench sha256 --mib N                                             (SHA-256 of N MiB, prints bytes and CPU seconds: the pinned scenario's floor)
var command = args.FirstOrDefault();
var options = Arguments.Parse(args.Skip(1));
try
{
    return command switch
    {
        "run" => await Runner.RunAsync(new BenchOptions
        {
            Quick = options.Flag("quick"),
            Wan = !options.Flag("no-wan"),
            RateMbit = options.Int("rate-mbit", 50),
            OneWayDelayMs = options.Int("delay-ms", 20),
            Rounds = options.Int("rounds", 2),
            FastLinkRounds = options.Int("fast-link-rounds", options.Flag("quick") ? 3 : 5),
            PinnedRounds = options.Int("pinned-rounds", options.Flag("quick") ? 2 : 5),
            Note = options.Optional("note"),
            Only = (options.Optional("only") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(),
            ImageFilter = (options.Optional("images") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(),
            OciCacheExecutable = Path.GetFullPath(options.Required("ocicache")),
            WorkDirectory = Path.GetFullPath(options.Required("work")),
            ResultsDirectory = Path.GetFullPath(options.Required("results")),
        }),
        "relay" => await RelayAsync(options),
        "seed" => await SeedAsync(options),
        "report" => await ReportAsync(options),
        "sha256" => OciCache.Benchmarks.Infra.Sha256Floor.HashInProcess(options.Int("mib", 1024)),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"ocibench: {e.Message}");
    return 2;
}

static async Task<int> RelayAsync(Arguments options)
{
    using var relay = new TcpRelay(IPEndPoint.Parse(options.Required("target")), 0,
        TimeSpan.FromMilliseconds(options.Int("delay-ms", 20)), IPEndPoint.Parse(options.Required("listen")));
    Console.WriteLine($"relay {options.Required("listen")} -> {options.Required("target")}, {options.Int("delay-ms", 20)} ms each way");
    var stop = new TaskCompletionSource();
    using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
    await stop.Task;
    return 0;
}

static async Task<int> SeedAsync(Arguments options)
{
    var directory = options.Required("images");
    var specs = new[] { ImageSpec.Small, ImageSpec.Medium, ImageSpec.Large, ImageSpec.Huge, ImageSpec.MultiArch, ImageSpec.Warmup, ImageSpec.Footprint(16), ImageSpec.Footprint(256),
        ImageSpec.FastLink(32), ImageSpec.FastLink(128), ImageSpec.FastLink(1024), ImageSpec.ScaleOut(64), ImageSpec.ScaleOut(256),
        ImageSpec.ReplicaWarmup(0), ImageSpec.ReplicaWarmup(1), ImageSpec.ReplicaWarmup(2) };
    var images = options.Positional
        .Select(name => specs.Where(s => s.Name == name).Select(s => Path.Combine(directory, s.Key + ".json")).Where(File.Exists).LastOrDefault()
            ?? throw new ArgumentException($"no generated image '{name}' in {directory}"))
        .Select(path => System.Text.Json.JsonSerializer.Deserialize<GeneratedImage>(File.ReadAllText(path))!)
        .ToList();
    await Seeder.SeedAsync(new Uri(options.Required("registry")), directory, images);
    return 0;
}

static async Task<int> ReportAsync(Arguments options)
{
    var directory = options.Required("results");
    var results = System.Text.Json.JsonSerializer.Deserialize<OciCache.Benchmarks.Reporting.Results>(
        await File.ReadAllTextAsync(Path.Combine(directory, "results.json")), OciCache.Benchmarks.Reporting.Results.Json)!;
    if (options.Optional("note") is { } note)
    {
        results.Conditions["note"] = note;
        await File.WriteAllTextAsync(Path.Combine(directory, "results.json"),
            System.Text.Json.JsonSerializer.Serialize(results, OciCache.Benchmarks.Reporting.Results.Json));
    }

    Console.WriteLine(await Runner.WriteReportAsync(results, directory, charts: true, Console.Error.WriteLine));
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: ocibench run|relay|seed|report|sha256 [options]; see benchmarks/README.md");
    return 2;
}
