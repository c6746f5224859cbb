using System.Diagnostics;
using System.Text;

namespace OciCache.Testing;

/// <summary>
/// A private containerd daemon (temp root, state and socket; CRI and exotic snapshotters off) and the
/// <c>ctr</c> client bound to it, with a hosts directory for registry and mirror configuration.
/// </summary>
public sealed class Containerd : IAsyncDisposable
{
    private readonly Process _daemon;
    private readonly TempDirectory _root;
    private readonly StringBuilder _log = new();

    private Containerd(TempDirectory root, Process daemon)
    {
        _root = root;
        _daemon = daemon;
        HostsDir = root.Combine("certs.d");
        Directory.CreateDirectory(HostsDir);
    }

    public string Socket => _root.Combine("containerd.sock");

    /// <summary>The <c>--hosts-dir</c> (what <c>/etc/containerd/certs.d</c> is on a node).</summary>
    public string HostsDir { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<Containerd> StartAsync()
    {
        var root = new TempDirectory("ctrd");
        var config = root.Combine("config.toml");
        await File.WriteAllTextAsync(config, $"""
            version = 2
            root = "{root.Combine("root")}"
            state = "{root.Combine("state")}"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
              "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing"]
            [grpc]
              address = "{root.Combine("containerd.sock")}"
            [ttrpc]
              address = "{root.Combine("containerd.sock.ttrpc")}"
            [debug]
              address = "{root.Combine("debug.sock")}"
            """);
        var info = new ProcessStartInfo(Tools.Require("containerd"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(config);
        var daemon = new Containerd(root, Process.Start(info)!);
        daemon._daemon.ErrorDataReceived += (_, e) => { lock (daemon._log) { daemon._log.AppendLine(e.Data); } };
        daemon._daemon.OutputDataReceived += (_, e) => { lock (daemon._log) { daemon._log.AppendLine(e.Data); } };
        daemon._daemon.BeginErrorReadLine();
        daemon._daemon.BeginOutputReadLine();

        // Ready when ctr gets an answer on its socket; polled until then (or until the daemon died).
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Eventually.DefaultTimeout)
        {
            if (File.Exists(daemon.Socket) && (await ProcessRunner.RunAsync("ctr", ["--address", daemon.Socket, "version"])).ExitCode == 0)
            {
                return daemon;
            }

            if (daemon._daemon.HasExited)
            {
                break;
            }

            await Task.Delay(100);
        }

        var log = daemon.Log;
        await daemon.DisposeAsync();
        throw new InvalidOperationException($"containerd did not start:\n{log}");
    }

    /// <summary>Writes <c>certs.d/&lt;registry&gt;/hosts.toml</c>: hosts tried in order, then the server.</summary>
    public void WriteHostsToml(string registry, string server, params (string Url, string Capabilities)[] hosts)
    {
        var dir = Path.Combine(HostsDir, registry);
        Directory.CreateDirectory(dir);
        var toml = new StringBuilder($"server = \"{server}\"\n");
        foreach (var (url, capabilities) in hosts)
        {
            toml.Append($"\n[host.\"{url}\"]\n  capabilities = [{capabilities}]\n");
        }

        File.WriteAllText(Path.Combine(dir, "hosts.toml"), toml.ToString());
    }

    public Task<ProcessResult> CtrAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("ctr", ["--address", Socket, "--namespace", "test", .. arguments], TimeSpan.FromMinutes(3));

    /// <summary>Runs ctr and fails the test with ctr's and containerd's output when it fails.</summary>
    public async Task<string> CtrCheckedAsync(params string[] arguments)
    {
        var result = await CtrAsync(arguments);
        if (result.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"ctr {string.Join(' ', arguments)}: {result}\n--- containerd\n{Log}");
        }

        return result.Stdout;
    }

    /// <summary>Forgets images and their content, as a fresh node would be.</summary>
    public async Task ForgetAllAsync()
    {
        foreach (var name in (await CtrCheckedAsync("images", "ls", "-q")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await CtrCheckedAsync("images", "rm", "--sync", name);
        }

        foreach (var line in (await CtrCheckedAsync("content", "ls", "-q")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await CtrAsync("content", "rm", line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_daemon.HasExited)
        {
            _daemon.Kill(entireProcessTree: true);
            await _daemon.WaitForExitAsync();
        }

        _daemon.Dispose();
        // Snapshots may hold read-only files; containerd's root is disposable anyway.
        await ProcessRunner.RunAsync("rm", ["-rf", _root.Path]);
        _root.Dispose();
    }
}
