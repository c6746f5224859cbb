using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;

namespace OciCache.Benchmarks.Peers;

/// <summary>
/// The <c>ocicache</c> executable in the site namespace, mirroring docker.io from the upstream; on CPU
/// <paramref name="cpu"/> only when one is given (the pinned scenario). With <paramref name="everyFeature"/> it
/// runs as a site would: the console, access control with an htpasswd file, and OIDC sign-in on (the issuer is
/// contacted only while someone signs in, so nothing listens there), with anonymous pulls as by default.
/// </summary>
internal sealed class OciCachePeer(string executable, Topology topology, string upstreamUrl, string runDirectory, int? cpu = null,
    bool everyFeature = false) : Peer
{
    /// <summary>What <c>everyFeature</c> turns on, as <see cref="StartAsync"/> passes it.</summary>
    public const string EveryFeatureDescription = "console, access control (htpasswd, anonymous pull), OIDC sign-in";

    // bcrypt (cost 10) of "bench-password": a benchmark fixture, never a real credential.
    private const string HtpasswdLine = "bench:$2y$10$v3XxqbQOKJfBXvsMviVExOu05FxjocT3s8embCMPlSBfkAzIoMMYK\n";

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

        if (everyFeature)
        {
            var htpasswd = Path.Combine(runDirectory, "ocicache-htpasswd");
            await File.WriteAllTextAsync(htpasswd, HtpasswdLine);
            environment = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
            {
                ["OCICACHE_AUTH__HTPASSWD"] = htpasswd,
                ["OCICACHE_AUTH__ADMINGROUP"] = "admins",
                ["OCICACHE_AUTH__OIDC__ISSUER"] = "http://127.0.0.1:9",
                ["OCICACHE_AUTH__OIDC__CLIENTID"] = "ocicache",
                ["OCICACHE_AUTH__OIDC__CLIENTSECRET"] = "bench-client-secret",
            };
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
