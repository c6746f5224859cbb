using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;
using OciCache.Benchmarks.Peers;

namespace OciCache.Benchmarks.Clients;

/// <summary>
/// A private containerd in the client namespace (CRI and exotic snapshotters off, native snapshotter),
/// and <c>ctr images pull</c> against it with one hosts directory per peer. Before every pull the
/// image and its content are removed, so each pull is a fresh node's: fetch, verify, unpack.
/// </summary>
internal sealed class ContainerdClient : IAsyncDisposable
{
    private const string Namespace = "bench";
    private readonly string _root;
    private readonly ServiceProcess _daemon;

    private ContainerdClient(string root, ServiceProcess daemon)
    {
        _root = root;
        _daemon = daemon;
    }

    private string Socket => Path.Combine(_root, "containerd.sock");

    public static async Task<ContainerdClient> StartAsync(string runDirectory)
    {
        var root = Path.Combine(runDirectory, "containerd");
        await Exec.RunAsync(null, "rm", ["-rf", root]);
        Directory.CreateDirectory(root);
        var config = Path.Combine(root, "config.toml");
        await File.WriteAllTextAsync(config, $"""
            version = 2
            root = "{root}/root"
            state = "{root}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
              "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing"]
            [grpc]
              address = "{root}/containerd.sock"
            [ttrpc]
              address = "{root}/containerd.sock.ttrpc"
            [debug]
              address = "{root}/debug.sock"
            """);
        var daemon = ServiceProcess.Start(null, "containerd", ["--config", config], logPath: Path.Combine(runDirectory, "containerd.log"));
        var client = new ContainerdClient(root, daemon);
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(client.Socket) && (await client.CtrAsync(["version"], TimeSpan.FromSeconds(10))).Ok)
            {
                return client;
            }

            await Task.Delay(50);
        }

        await client.DisposeAsync();
        throw new InvalidOperationException($"containerd did not start:\n{daemon.Tail()}");
    }

    /// <summary>Writes the peer's <c>certs.d</c> and returns it (the <c>--hosts-dir</c>).</summary>
    public string HostsDirectory(Peer peer)
    {
        var directory = Path.Combine(_root, "certs.d-" + peer.Name);
        Directory.CreateDirectory(Path.Combine(directory, "docker.io"));
        File.WriteAllText(Path.Combine(directory, "docker.io", "hosts.toml"), peer.HostsToml);
        return directory;
    }

    /// <summary>Forgets everything, then times one <c>ctr images pull</c> of the image through the peer.</summary>
    public async Task<ExecResult> PullAsync(Peer peer, GeneratedImage image, TimeSpan timeout)
    {
        await ForgetAllAsync();
        var hosts = HostsDirectory(peer);
        return await CtrAsync(["images", "pull", "--hosts-dir", hosts, "--snapshotter", "native", image.Reference], timeout);
    }

    public async Task ForgetAllAsync()
    {
        var images = await CtrAsync(["images", "ls", "-q"], TimeSpan.FromMinutes(1));
        foreach (var name in images.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await CtrAsync(["images", "rm", "--sync", name], TimeSpan.FromMinutes(2));
        }

        var content = await CtrAsync(["content", "ls", "-q"], TimeSpan.FromMinutes(1));
        var digests = content.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (digests.Length > 0)
        {
            await CtrAsync(["content", "rm", .. digests], TimeSpan.FromMinutes(2));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _daemon.DisposeAsync();
        // Snapshots hold read-only files; the whole root is disposable.
        await Exec.RunAsync(null, "rm", ["-rf", Path.Combine(_root, "root"), Path.Combine(_root, "state")]);
    }

    private Task<ExecResult> CtrAsync(string[] arguments, TimeSpan timeout) =>
        Exec.RunAsync(null, "ctr", ["--address", Socket, "--namespace", Namespace, .. arguments], timeout);
}
