using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;

namespace OciCache.Benchmarks.Peers;

/// <summary>
/// The <c>ocicache</c> executable in the site namespace, mirroring docker.io from the upstream; on CPU
/// <paramref name="cpu"/> only when one is given (the pinned scenario).
/// </summary>
internal sealed class OciCachePeer(string executable, Topology topology, string upstreamUrl, string runDirectory, int? cpu = null) : Peer
{
    private readonly int _port = topology.Wan ? 5000 : FreePort.Next();

    public override string Name => "ocicache";

    public override bool Caches => true;

    public string Host => $"{topology.SiteAddress}:{_port}";

    public override string HostsToml => MirrorToml(Host);

    public string DataDirectory => Path.Combine(runDirectory, "ocicache-data");

    public Uri MetricsUrl => new($"http://{Host}/metrics");

    public override async Task StartAsync(bool empty, IDictionary<string, string>? environment = null)
    {
        if (empty || !Directory.Exists(DataDirectory))
        {
            ResetDirectory(DataDirectory);
        }

        // Warning: no line per request, as the distribution proxy runs without its access log.
        var (file, arguments) = Exec.OnCpu(cpu, executable,
            ["serve", "--listen", Host, "--data", DataDirectory, "--upstream", $"docker.io={upstreamUrl}", "--log-level", "Warning"]);
        Process = ServiceProcess.Start(topology.SiteNetns, file, arguments, environment, Path.Combine(runDirectory, "ocicache.log"));
        LastStartup = await Readiness.WaitAsync(Process, new Uri($"http://{Host}/healthz"), TimeSpan.FromSeconds(30));
    }

    // Storage/DataLayout: blobs/sha256/<2>/<hex>, published when verified.
    protected override bool IsStored(GeneratedImage image, BlobRef blob) =>
        File.Exists(Path.Combine(DataDirectory, "blobs", "sha256", blob.Hex[..2], blob.Hex));

    public override string SkopeoSource(GeneratedImage image) => $"docker://{Host}/docker.io/{image.Repository}:{image.Tag}";

    public override Uri Url(GeneratedImage image, string kind, string reference) =>
        new($"http://{Host}/v2/{image.Repository}/{kind}/{reference}?ns=docker.io");
}
