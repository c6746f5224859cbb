using OciCache.Benchmarks.Images;

namespace OciCache.Benchmarks.Peers;

/// <summary>No cache: clients pull from the upstream across the WAN, the baseline of every ratio.</summary>
internal sealed class DirectPeer(UpstreamRegistry upstream) : Peer
{
    public override string Name => "direct";

    public override bool Caches => false;

    public override string HostsToml => $"""
        server = "{upstream.Url}"

        [host."{upstream.Url}"]
          capabilities = ["pull", "resolve"]

        """;

    public override Task StartAsync(bool empty, IDictionary<string, string>? environment = null) => Task.CompletedTask;

    public override string SkopeoSource(GeneratedImage image) => $"docker://{upstream.Host}/{image.Repository}:{image.Tag}";

    public override Uri Url(GeneratedImage image, string kind, string reference) =>
        new($"{upstream.Url}/v2/{image.Repository}/{kind}/{reference}");
}
