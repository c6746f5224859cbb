using Microsoft.Extensions.Logging;
using OciCache.Observability;
using OciCache.Oci;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// What a <see cref="BlobFill"/> tells the rest of the cache while it runs: bytes arriving, the disk refusing
/// them, the fetch failing. Called from the fill's own threads; an observer must not throw nor block.
/// </summary>
internal interface IFillObserver
{
    /// <summary><paramref name="count"/> more bytes came from the fill's source.</summary>
    void Received(int count);

    /// <summary>The disk refused the fill's bytes (<paramref name="reason"/>): the rest is relayed to its clients and not kept. Told at most once.</summary>
    void Relaying(Digest digest, string reason);

    /// <summary>The fill failed; nothing was published. Told at most once.</summary>
    void Failed(Digest digest, UpstreamFailure failure);
}

/// <summary>The metrics and the relay warning of fills for one upstream (<c>upstream_bytes</c>, <c>fill_failures</c>).</summary>
internal sealed partial class UpstreamFillObserver(CacheMetrics metrics, string? upstream, ILogger logger) : IFillObserver
{
    private readonly KeyValuePair<string, object?>[] _byUpstream = [new("upstream", upstream)];

    public void Received(int count) => metrics.UpstreamBytes.Add(count, _byUpstream); // once per slab: the tags are made once per fill

    public void Relaying(Digest digest, string reason) => LogRelaying(digest, reason);

    public void Failed(Digest digest, UpstreamFailure failure) => metrics.FillFailures.Add(1, new("reason", failure.Kind.ToString()), new("upstream", upstream));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot store blob {Digest} ({Reason}); relaying it to clients without caching")]
    private partial void LogRelaying(Digest digest, string reason);
}
