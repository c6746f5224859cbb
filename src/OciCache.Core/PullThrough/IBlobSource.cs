using OciCache.Oci;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// Where a <see cref="BlobFill"/> gets its body: the upstream (<see cref="UpstreamBlobSource"/>), another
/// replica's running fill (<see cref="PeerBlobSource"/>), or, across replicas, whichever of the two the fill
/// lease decides (<see cref="ClusterBlobSource"/>). Opened once per fill; told once when the fill ended.
/// </summary>
internal interface IBlobSource
{
    /// <summary>The response whose body is the blob (owned by the caller), or why there is none.</summary>
    Task<UpstreamResult> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The fill ended; <paramref name="published"/> tells whether its bytes are committed here now. Never throws.</summary>
    ValueTask EndAsync(bool published);
}

/// <summary>The blob from the repository's upstream, through <see cref="UpstreamClient"/>.</summary>
internal sealed class UpstreamBlobSource(UpstreamClient upstreams, Repository repository, Digest digest) : IBlobSource
{
    public Task<UpstreamResult> OpenAsync(CancellationToken cancellationToken) => upstreams.GetBlobAsync(repository, digest, cancellationToken);

    public ValueTask EndAsync(bool published) => ValueTask.CompletedTask;
}

/// <summary>The blob as another replica receives it: its <c>GET /_cluster/fills/{digest}</c> (see <see cref="PeerClient"/>).</summary>
internal sealed class PeerBlobSource(PeerClient peers, string ownerUrl, Digest digest) : IBlobSource
{
    public Task<UpstreamResult> OpenAsync(CancellationToken cancellationToken) => peers.GetFillAsync(ownerUrl, digest, cancellationToken);

    public ValueTask EndAsync(bool published) => ValueTask.CompletedTask;
}
