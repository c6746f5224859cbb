using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Xunit;

namespace OciCache.Testing.Backends;

/// <summary>
/// A single-node Ceph with an S3 API (Debian's <c>ceph-mon</c>, <c>ceph-osd</c>, <c>radosgw</c>,
/// <c>ceph-common</c>): one monitor, one memstore OSD (its bytes are RAM, <see cref="MemstoreBytes"/>) and
/// RGW, on free loopback ports, with <c>ceph.conf</c> and all state in a temp folder. Every daemon runs in
/// the foreground as a child of the test run and is stopped by its PID. Starting takes seconds, so a test
/// run shares one (see <see cref="ScaleOutBackends"/>) and tests take a bucket each. RGW alone can be
/// stopped and started again, for the "object store went away" tests.
/// </summary>
public sealed class CephRgw : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The memstore size when none is given: 1 GiB of RAM at most, used only as objects are written.</summary>
    public const long DefaultMemstoreBytes = 1L << 30;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private readonly TempDirectory _root = new("ceph");
    private readonly Guid _fsid = Guid.NewGuid();
    private readonly Dictionary<string, string> _environment;
    private readonly List<string> _setupOutput = [];
    private ServiceProcess? _mon;
    private ServiceProcess? _osd;
    private ServiceProcess? _rgw;
    private bool _disposed;

    public CephRgw()
        : this(DefaultMemstoreBytes)
    {
    }

    public CephRgw(long memstoreBytes)
    {
        MemstoreBytes = memstoreBytes;
        MonPort = OciCacheProcess.FreePort();
        RgwPort = OciCacheProcess.FreePort();
        AccessKey = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20);
        SecretKey = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 40);
        _environment = new() { ["CEPH_CONF"] = ConfigFile };
    }

    public long MemstoreBytes { get; }

    public int MonPort { get; }

    public int RgwPort { get; }

    /// <summary>The S3 endpoint (path-style addressing, plain HTTP).</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{RgwPort}");

    /// <summary>The region to sign with; RGW's default zone group accepts it.</summary>
    public string Region => "us-east-1";

    public string AccessKey { get; }

    public string SecretKey { get; }

    /// <summary>How long the whole cluster took to answer S3 requests with its user created.</summary>
    public TimeSpan StartupTime { get; private set; }

    public string ConfigFile => _root.Combine("ceph.conf");

    /// <summary>Starts a cluster; fails loudly with the daemons' logs when a step does not succeed.</summary>
    public static async Task<CephRgw> StartAsync(long memstoreBytes = DefaultMemstoreBytes)
    {
        var ceph = new CephRgw(memstoreBytes);
        try
        {
            await ceph.InitializeAsync();
        }
        catch
        {
            await ceph.DisposeAsync();
            throw;
        }

        return ceph;
    }

    public async Task InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        foreach (var folder in new[] { "run", "log", "mon", "osd", "rgw" })
        {
            Directory.CreateDirectory(_root.Combine(folder));
        }

        await File.WriteAllTextAsync(ConfigFile, CephConf.Render(_root.Path, _fsid, MonPort, RgwPort, MemstoreBytes));
        var monmap = _root.Combine("monmap");
        var keyring = _root.Combine("mon.keyring");
        await RunAsync("monmaptool", "ceph-base", "--create", "--fsid", _fsid.ToString(), "--addv", "a", $"[v2:127.0.0.1:{MonPort}]", monmap);
        await RunAsync("ceph-authtool", "ceph-common", "--create-keyring", keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *");
        await RunAsync("ceph-mon", "ceph-mon", "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", keyring);
        _mon = StartDaemon("ceph-mon", "ceph-mon", "-i", "a", "-f");

        // The first command the monitor answers is the readiness signal: "ceph osd new" waits for it, bounded.
        var osdUuid = Guid.NewGuid().ToString();
        var created = await RunAsync("ceph", "ceph-common", "--connect-timeout", "120", "osd", "new", osdUuid);
        var osdId = created.Split('\n').Select(l => l.Trim()).Last(l => l.Length > 0 && l.All(char.IsAsciiDigit));
        Directory.CreateDirectory(_root.Combine("osd", $"ceph-{osdId}"));
        await RunAsync("ceph-osd", "ceph-osd", "-i", osdId, "--mkfs", "--osd-uuid", osdUuid);
        _osd = StartDaemon("ceph-osd", "ceph-osd", "-i", osdId, "-f");

        await StartRgwAsync();
        await RunAsync("radosgw-admin", "ceph-common", "user", "create", "--uid", "ocicache-tests", "--display-name", "OciCache tests",
            "--access-key", AccessKey, "--secret-key", SecretKey);
        StartupTime = watch.Elapsed;
    }

    /// <summary>Starts radosgw (again) on <see cref="RgwPort"/>; ready when it answers an HTTP request.</summary>
    public async Task StartRgwAsync()
    {
        _rgw = StartDaemon("radosgw", "radosgw", "-n", CephConf.RgwName, "-f");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Readiness.WaitAsync($"radosgw answering HTTP on {Endpoint}", async token =>
        {
            using var response = await client.GetAsync(Endpoint, token);
            return true; // any HTTP answer (an anonymous bucket list) means the frontend and its pools are up
        }, Log, CommandTimeout, _rgw, _osd!, _mon!);
    }

    /// <summary>Stops radosgw by its PID; the monitor, the OSD and the objects stay.</summary>
    public async Task StopRgwAsync()
    {
        if (_rgw is { } rgw)
        {
            await rgw.DisposeAsync();
            _rgw = null;
        }
    }

    /// <summary>The resident memory of each running daemon, in bytes (from /proc), for the harness report.</summary>
    public IReadOnlyDictionary<string, long> ResidentBytes() =>
        new[] { _mon, _osd, _rgw }.OfType<ServiceProcess>().Where(p => !p.HasExited)
            .ToDictionary(p => p.Name, p => Rss(p.Pid));

    /// <summary>The daemons' output and the tails of their log files, for failure messages.</summary>
    public string Log()
    {
        var parts = new List<string>(_setupOutput);
        parts.AddRange(new[] { _mon, _osd, _rgw }.OfType<ServiceProcess>().Select(p => $"--- {p.Name} (pid {p.Pid}) output\n{p.Output}"));
        var logs = _root.Combine("log");
        if (Directory.Exists(logs))
        {
            parts.AddRange(Directory.GetFiles(logs).Order(StringComparer.Ordinal).Select(f => Readiness.Tail(f)));
        }

        return string.Join('\n', parts);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var daemon in new[] { _rgw, _osd, _mon }.OfType<ServiceProcess>())
        {
            await daemon.DisposeAsync();
        }

        _root.Dispose();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    private async Task<string> RunAsync(string tool, string package, params string[] arguments)
    {
        var output = await ServiceProcess.RunAsync(tool, BackendTool.Require(tool, package), arguments, _root.Path, CommandTimeout, _environment, Log);
        // radosgw-admin prints the user's keys: its output is not kept for messages.
        _setupOutput.Add($"--- {tool} {string.Join(' ', arguments.Take(2))}\n{(tool == "radosgw-admin" ? "(output withheld)" : output)}");
        return output;
    }

    private ServiceProcess StartDaemon(string tool, string package, params string[] arguments) =>
        ServiceProcess.Start(tool, BackendTool.Require(tool, package), arguments, _root.Path, _environment);

    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
