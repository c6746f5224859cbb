using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;

namespace OciCache.Benchmarks.Peers;

/// <summary>
/// The CNCF distribution registry (Debian's docker-registry 2.8) in pull-through mode
/// (<c>proxy.remoteurl</c>) in the site namespace, with its own storage folder and no access log; on CPU
/// <paramref name="cpu"/> only when one is given (the pinned scenario).
/// </summary>
internal sealed class DistributionProxyPeer(Topology topology, string upstreamUrl, string runDirectory, int? cpu = null) : Peer
{
    private readonly int _port = topology.Wan ? 5001 : FreePort.Next();

    public override string Name => "distribution";

    public override bool Caches => true;

    public string Host => $"{topology.SiteAddress}:{_port}";

    public override string HostsToml => MirrorToml(Host);

    private string Root => Path.Combine(runDirectory, "distribution-proxy");

    public override async Task StartAsync(bool empty, IDictionary<string, string>? environment = null)
    {
        var data = Path.Combine(Root, "data");
        if (empty || !Directory.Exists(data))
        {
            ResetDirectory(data);
        }

        var config = Path.Combine(Root, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {data}
            http:
              addr: {Host}
            proxy:
              remoteurl: {upstreamUrl}

            """);
        var (file, arguments) = Exec.OnCpu(cpu, "docker-registry", ["serve", config]);
        Process = ServiceProcess.Start(topology.SiteNetns, file, arguments, environment, Path.Combine(runDirectory, "distribution-proxy.log"));
        LastStartup = await Readiness.WaitAsync(Process, new Uri($"http://{Host}/v2/"), TimeSpan.FromSeconds(30));
    }

    // registry/storage/paths.go: blobs/sha256/<2>/<hex>/data, and the repository's link to it.
    protected override bool IsStored(GeneratedImage image, BlobRef blob)
    {
        var v2 = Path.Combine(Root, "data", "docker", "registry", "v2");
        return File.Exists(Path.Combine(v2, "blobs", "sha256", blob.Hex[..2], blob.Hex, "data"))
            && File.Exists(Path.Combine(v2, "repositories", image.Repository, "_layers", "sha256", blob.Hex, "link"));
    }

    public override string SkopeoSource(GeneratedImage image) => $"docker://{Host}/{image.Repository}:{image.Tag}";

    public override Uri Url(GeneratedImage image, string kind, string reference) =>
        new($"http://{Host}/v2/{image.Repository}/{kind}/{reference}?ns=docker.io");
}
