using OciCache.Benchmarks.Images;
using OciCache.Benchmarks.Infra;

namespace OciCache.Benchmarks.Peers;

/// <summary>
/// One way for a site's clients to get images: through OciCache, through the distribution registry in
/// proxy mode, or straight from the upstream across the WAN. Each peer says how containerd, skopeo and
/// raw HTTP clients address it; the caches can be restarted empty (cold) or kept (warm).
/// </summary>
internal abstract class Peer : IAsyncDisposable
{
    public abstract string Name { get; }

    /// <summary>False for the direct peer: nothing to warm, no process of its own.</summary>
    public abstract bool Caches { get; }

    public ServiceProcess? Process { get; protected set; }

    /// <summary>How long the last start took until the first successful answer.</summary>
    public TimeSpan LastStartup { get; protected set; }

    /// <summary>Starts the peer; <paramref name="empty"/> deletes what it had cached first.</summary>
    public abstract Task StartAsync(bool empty, IDictionary<string, string>? environment = null);

    public async Task StopAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync();
            Process = null;
        }
    }

    public Task RestartEmptyAsync() => StopAsync().ContinueWith(_ => StartAsync(empty: true)).Unwrap();

    /// <summary>
    /// <c>certs.d/docker.io/hosts.toml</c> for containerd. The caches are mirrors (containerd adds
    /// <c>?ns=docker.io</c>) and the server is a closed local port, so a failing mirror shows as a
    /// failed pull instead of a silent fallback to the upstream that would spoil the measurement.
    /// </summary>
    public abstract string HostsToml { get; }

    /// <summary>skopeo's source for an image (the path-prefix form for OciCache).</summary>
    public abstract string SkopeoSource(GeneratedImage image);

    /// <summary>A blob or manifest URL exactly as a mirror client sends it.</summary>
    public abstract Uri Url(GeneratedImage image, string kind, string reference);

    /// <summary>
    /// Waits until every blob of <paramref name="image"/> is in the peer's storage: the distribution proxy
    /// stores a cold blob with a second, background fetch that may finish after its client did, and a
    /// "warm" request before that would go upstream again.
    /// </summary>
    public async Task WaitUntilStoredAsync(GeneratedImage image, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!image.HostBlobs.All(b => IsStored(image, b)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not store {image.Name} within {timeout.TotalSeconds} s");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Whether a blob is committed in this peer's storage; true for peers without storage.</summary>
    protected virtual bool IsStored(GeneratedImage image, BlobRef blob) => true;

    protected static string MirrorToml(string host) => $"""
        server = "http://127.0.0.1:9"

        [host."http://{host}"]
          capabilities = ["pull", "resolve"]

        """;

    protected static void ResetDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
    }
}
