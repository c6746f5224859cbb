using OciCache.Benchmarks.Clients;
using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;
using OciCache.Benchmarks.Peers;
using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks;

/// <summary>The parts of one run, shared by the scenarios.</summary>
internal sealed class Bench(
    BenchOptions options, Topology topology, UpstreamRegistry upstream, OciCachePeer ociCache, DistributionProxyPeer distribution,
    DirectPeer direct, ContainerdClient containerd, IReadOnlyDictionary<string, GeneratedImage> images, string runDirectory)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public BenchOptions Options => options;

    public Topology Topology => topology;

    public UpstreamRegistry Upstream => upstream;

    public OciCachePeer OciCache => ociCache;

    public DistributionProxyPeer Distribution => distribution;

    public DirectPeer Direct => direct;

    public IReadOnlyList<Peer> Peers => [ociCache, distribution, direct];

    public IReadOnlyList<Peer> Caches => [ociCache, distribution];

    public ContainerdClient Containerd => containerd;

    public string RunDirectory => runDirectory;

    public Results Results { get; } = new();

    public GeneratedImage Image(ImageSpec spec) => images[spec.Name];

    /// <summary>The peers of round <paramref name="round"/>, rotated so no peer always goes first (A B C, B C A, …).</summary>
    public static IReadOnlyList<T> Rotate<T>(IReadOnlyList<T> items, int round) =>
        [.. items.Skip(round % items.Count), .. items.Take(round % items.Count)];

    public void Log(string message) => Console.Error.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {message}");

    /// <summary>
    /// Restarts a cache empty and sends it the warm-up image through its cold path (manifest by tag,
    /// then every blob), so the measurement after it finds a running server, not a starting one.
    /// </summary>
    public async Task ColdStartAsync(Peer peer)
    {
        if (peer.Caches)
        {
            await peer.RestartEmptyAsync();
            await WarmUpAsync(peer);
        }
    }

    /// <summary>Fetches a small image (the warm-up image unless another is given) through a cache's cold path.</summary>
    public async Task WarmUpAsync(Peer peer, GeneratedImage? warmup = null)
    {
        var image = warmup ?? Image(ImageSpec.Warmup);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(1) };
        foreach (var url in image.Blobs.Select(b => peer.Url(image, "blobs", b.Digest)).Prepend(peer.Url(image, "manifests", image.Tag)))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("Accept", HeadLoad.ManifestAccept);
            using var response = await client.SendAsync(request);
            await response.Content.CopyToAsync(Stream.Null);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"warm-up of {peer.Name}: {url} answered {(int)response.StatusCode}");
            }
        }
    }

    /// <summary>Fills a cache quickly (the WAN's rate limit lifted for the while): preparation, not measurement.</summary>
    public async Task WarmAsync(Peer peer, IEnumerable<GeneratedImage> toWarm)
    {
        await topology.SetRateLimitAsync(on: false);
        try
        {
            foreach (var image in toWarm)
            {
                var pull = await containerd.PullAsync(peer, image, TimeSpan.FromMinutes(10));
                if (!pull.Ok)
                {
                    throw new InvalidOperationException($"warming {peer.Name} with {image.Name} failed: {pull.Describe}");
                }

                await peer.WaitUntilStoredAsync(image, TimeSpan.FromMinutes(10));
            }
        }
        finally
        {
            await topology.SetRateLimitAsync(on: true);
        }
    }
}
