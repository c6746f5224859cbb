using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace OciCache.Testing.Backends;

/// <summary>
/// HAProxy (Debian's <c>haproxy</c>) on 127.0.0.1 in front of given backend URLs, balancing round-robin with
/// no stickiness: what a replica set must survive. It runs in the foreground as a child of the test run and
/// is stopped by its PID. Its HTTP log (one line per request, naming the server that took it) is captured,
/// and a stats page is served on <see cref="StatsPort"/>.
/// </summary>
public sealed class HaProxy : IAsyncDisposable
{
    private readonly TempDirectory _root = new("haproxy");
    private readonly IReadOnlyList<Uri> _backends;
    private ServiceProcess? _process;

    private HaProxy(IReadOnlyList<Uri> backends)
    {
        _backends = backends;
        Port = OciCacheProcess.FreePort();
        StatsPort = OciCacheProcess.FreePort();
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>The stats page: <c>/stats</c>, and <c>/stats;csv</c> for per-server counters.</summary>
    public int StatsPort { get; }

    /// <summary>How long HAProxy took to accept connections.</summary>
    public TimeSpan StartupTime { get; private set; }

    public string ConfigFile => _root.Combine("haproxy.cfg");

    /// <summary>HAProxy's output: its messages and one HTTP log line per request.</summary>
    public string Log => _process?.Output ?? "";

    /// <summary>The server name HAProxy gives the backend at <paramref name="index"/> in its log and stats.</summary>
    public static string ServerName(int index) => $"s{index}";

    /// <summary>Starts HAProxy over <paramref name="backends"/> (HTTP URLs; only host and port are used).</summary>
    public static async Task<HaProxy> StartAsync(params Uri[] backends)
    {
        if (backends.Length == 0)
        {
            throw new ArgumentException("HAProxy needs at least one backend", nameof(backends));
        }

        var proxy = new HaProxy(backends);
        try
        {
            await proxy.StartAsync();
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }

        return proxy;
    }

    /// <summary>How many requests the log shows served by the backend at <paramref name="index"/>.</summary>
    public int CountRequestsTo(int index) =>
        Log.Split('\n').Count(l => l.Contains($" be/{ServerName(index)} ", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            await process.DisposeAsync();
            _process = null;
        }

        _root.Dispose();
    }

    private async Task StartAsync()
    {
        var haproxy = BackendTool.Require("haproxy", "haproxy");
        var watch = Stopwatch.StartNew();
        await File.WriteAllTextAsync(ConfigFile, Render());
        // -db: foreground, no daemon, so the PID is ours; the log goes to stdout (see the global section).
        _process = ServiceProcess.Start("haproxy", haproxy, ["-db", "-f", ConfigFile], _root.Path);
        await Readiness.WaitAsync($"haproxy accepting on 127.0.0.1:{Port}", async token =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, token);
            return true;
        }, () => $"{Log}\n--- {ConfigFile}\n{Render()}", watched: _process);
        StartupTime = watch.Elapsed;
    }

    private string Render()
    {
        var servers = string.Join('\n', _backends.Select((backend, i) =>
            $"    server {ServerName(i)} {backend.Host}:{backend.Port.ToString(CultureInfo.InvariantCulture)}"));
        return string.Create(CultureInfo.InvariantCulture, $"""
            global
                log stdout format raw local0 info

            defaults
                mode http
                log global
                option httplog
                timeout connect 10s
                timeout client 10m
                timeout server 10m

            frontend fe
                bind 127.0.0.1:{Port}
                default_backend be

            backend be
                balance roundrobin
            {servers}

            frontend stats
                bind 127.0.0.1:{StatsPort}
                stats enable
                stats uri /stats

            """);
    }
}
