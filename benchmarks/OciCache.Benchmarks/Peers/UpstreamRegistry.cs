using System.Text.RegularExpressions;
using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;

namespace OciCache.Benchmarks.Peers;

/// <summary>
/// The upstream: the distribution registry on 127.0.0.1 of the upstream namespace, its storage kept in
/// <c>work/upstream/</c> between runs, reached from the site through the delaying relay
/// (<c>ocibench relay</c>) and the rate-limited WAN link. Its access log is the record of what crossed
/// the WAN: every response's size is summed per scenario. On CPU <paramref name="cpu"/> only when one is
/// given (the pinned scenario).
/// </summary>
internal sealed partial class UpstreamRegistry(Topology topology, string workDirectory, string runDirectory, int? cpu = null) : IAsyncDisposable
{
    private const int RelayPort = 8080;
    private readonly int _registryPort = topology.Wan ? 5000 : FreePort.Next();
    private ServiceProcess? _registry;
    private ServiceProcess? _relay;

    /// <summary>host:port that the site and clients use.</summary>
    public string Host => topology.Wan ? $"{topology.UpstreamAddress}:{RelayPort}" : $"127.0.0.1:{_registryPort}";

    public string Url => $"http://{Host}";

    private string LocalUrl => $"http://127.0.0.1:{_registryPort}";

    public async Task StartAsync()
    {
        var storage = Path.Combine(workDirectory, "upstream");
        Directory.CreateDirectory(storage);
        var config = Path.Combine(runDirectory, "upstream.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: {storage}
            http:
              addr: 127.0.0.1:{_registryPort}

            """);
        var (file, arguments) = Exec.OnCpu(cpu, "docker-registry", ["serve", config]);
        _registry = ServiceProcess.Start(topology.UpstreamNetns, file, arguments, logPath: Path.Combine(runDirectory, "upstream.log"));
        if (topology.Wan)
        {
            var (self, prefix) = Exec.Self();
            _relay = ServiceProcess.Start(topology.UpstreamNetns, self,
                [.. prefix, "relay", "--listen", $"{topology.UpstreamAddress}:{RelayPort}", "--target", $"127.0.0.1:{_registryPort}",
                 "--delay-ms", topology.OneWayDelayMs.ToString()],
                logPath: Path.Combine(runDirectory, "relay.log"));
        }

        await Readiness.WaitAsync(_registry, new Uri($"{Url}/v2/"), TimeSpan.FromSeconds(30));
    }

    /// <summary>Pushes what is missing, from inside the upstream's namespace (not across the WAN).</summary>
    public async Task SeedAsync(string imagesDirectory, IEnumerable<GeneratedImage> images)
    {
        var (self, prefix) = Exec.Self();
        string[] names = [.. images.Select(i => i.Name)];
        var result = await Exec.RunAsync(topology.UpstreamNetns, self,
            [.. prefix, "seed", "--registry", LocalUrl, "--images", imagesDirectory, .. names], TimeSpan.FromMinutes(10));
        if (!result.Ok)
        {
            throw new InvalidOperationException($"seeding the upstream failed: {result.Describe}");
        }
    }

    /// <summary>A position in the access log; <see cref="BytesSince"/> sums what was served after it.</summary>
    public int Mark() => _registry!.LineCount;

    /// <summary>Response bytes the upstream served since <paramref name="mark"/>, and how many blob GETs.</summary>
    public (long Bytes, int BlobGets) BytesSince(int mark)
    {
        long bytes = 0;
        var gets = 0;
        foreach (var line in _registry!.LinesSince(mark))
        {
            var match = AccessLine().Match(line);
            if (match.Success)
            {
                bytes += long.Parse(match.Groups["bytes"].Value);
                if (match.Groups["method"].Value == "GET" && match.Groups["path"].Value.Contains("/blobs/sha256:"))
                {
                    gets++;
                }
            }
        }

        return (bytes, gets);
    }

    /// <summary>GETs of the blob <paramref name="digest"/> the upstream answered since <paramref name="mark"/>, whatever their status or range.</summary>
    public int BlobGetsSince(int mark, string digest) =>
        _registry!.LinesSince(mark).Select(line => AccessLine().Match(line))
            .Count(m => m.Success && m.Groups["method"].Value == "GET" && m.Groups["path"].Value.Contains("/blobs/" + digest, StringComparison.Ordinal));

    /// <summary>Makes the upstream unreachable: the WAN link goes dark, or (on loopback) the registry stops.</summary>
    public async Task CutAsync()
    {
        if (topology.Wan)
        {
            await topology.CutWanAsync(cut: true);
        }
        else
        {
            await _registry!.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }

    // 127.0.0.1 - - [22/Nov/2026:18:20:17 +0000] "GET /v2/x/blobs/sha256:… HTTP/1.1" 200 1048576 "" "ocicache/1.0"
    [GeneratedRegex("""\] "(?<method>[A-Z]+) (?<path>\S+) HTTP/[0-9.]+" (?<status>\d{3}) (?<bytes>\d+) """)]
    private static partial Regex AccessLine();
}
