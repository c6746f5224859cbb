using OciCache.Observability;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// The pull-through cache as a decorator of the local reader: local repositories pass straight through
/// (they never depend on an upstream); mirror repositories are served from the store when they recorded the
/// content (a fill, a sync, one of their manifests) and from a shared upstream fill when they did not, even
/// if the store holds the bytes for another repository.
/// </summary>
/// <remarks>How a fill is made and kept is <see cref="FillCoordinator"/>'s and <see cref="BlobFills"/>' business; this class only decides when a request needs one.</remarks>
internal sealed class PullThroughContentReader(
    LocalContentReader local, MirrorManifests manifests, FillCoordinator fills, IBlobIndex index, IBlobStore store,
    UpstreamClient upstreams, UpstreamRules rules, AccessTracker access, CacheMetrics metrics) : IContentReader
{
    public ValueTask<ManifestLookup> GetManifestAsync(Repository repository, Reference reference, bool headOnly, CancellationToken cancellationToken)
    {
        if (!repository.IsMirror)
        {
            return local.GetManifestAsync(repository, reference, headOnly, cancellationToken);
        }

        // The upstream policy holds for cached content too: a rule added later stops serving what it denies.
        return rules.Check(repository, reference) is { } denied
            ? ValueTask.FromResult<ManifestLookup>(new ManifestLookup.Missing(denied))
            : manifests.GetAsync(repository, reference, headOnly, cancellationToken);
    }

    public ValueTask<BlobLookup> GetBlobAsync(Repository repository, Digest digest, bool headOnly, CancellationToken cancellationToken) =>
        GetBlobAsync(repository, digest, headOnly, null, cancellationToken);

    public ValueTask<BlobLookup> GetBlobAsync(Repository repository, Descriptor descriptor, CancellationToken cancellationToken) =>
        GetBlobAsync(repository, descriptor.Digest, headOnly: false, descriptor.Size, cancellationToken);

    /// <param name="expectedSize">The size a manifest states, when known: a fetch this request starts is cut past it.</param>
    private async ValueTask<BlobLookup> GetBlobAsync(Repository repository, Digest digest, bool headOnly, long? expectedSize, CancellationToken cancellationToken)
    {
        if (!repository.IsMirror)
        {
            return await local.GetBlobAsync(repository, digest, headOnly, cancellationToken);
        }

        if (rules.Check(repository, null) is { } denied)
        {
            return new BlobLookup.Missing(denied);
        }

        var stored = await store.GetLengthAsync(digest, cancellationToken);
        var isStored = stored is not null;
        var length = stored ?? 0;
        if (isStored && await IsRecordedForAsync(repository, digest))
        {
            access.Touch(digest);
            metrics.Hits.Add(1, new("kind", "blob"), new("upstream", repository.Upstream));
            if (!headOnly)
            {
                metrics.ServedBytes.Add(length, new KeyValuePair<string, object?>("upstream", repository.Upstream));
            }

            return new BlobLookup.Stored(length);
        }

        // Not this repository's (another one holds it, perhaps a private local one): only the upstream's own
        // bytes, fetched and verified as any fill, may make it so. What the store holds decides nothing.
        if (headOnly)
        {
            return await HeadUpstreamAsync(repository, digest, cancellationToken);
        }

        var lease = await fills.JoinAsync(repository, digest, expectedSize, evenIfStored: isStored, cancellationToken);
        if (lease is null)
        {
            return await GetBlobAsync(repository, digest, headOnly, expectedSize, cancellationToken); // it was stored meanwhile
        }

        lease.Fill.AddRequester(repository);
        UpstreamFailure? failure;
        try
        {
            failure = await lease.Fill.WaitForHeadersAsync(cancellationToken);
        }
        catch
        {
            lease.Dispose(); // the client went away while the upstream was asked
            throw;
        }

        if (failure is not null)
        {
            lease.Dispose();
            return new BlobLookup.Missing(Unavailable(repository, digest, failure));
        }

        metrics.Misses.Add(1, new("kind", "blob"), new("upstream", repository.Upstream));
        return new BlobLookup.Filling(lease);
    }

    /// <summary>
    /// Whether a mirror repository recorded this blob: a fill, sync or import of it stored it (a link), or
    /// one of its manifests references it and the bytes came from its upstream (a fill for another name
    /// there: two images sharing a layer), then it is linked now. Only then may stored bytes be served
    /// through this repository, also while its upstream is down. The upstream's word alone never suffices,
    /// neither a HEAD 200 nor a manifest that names a digest: a hostile or confused upstream would open
    /// every private blob, which the digest alone names.
    /// </summary>
    private async Task<bool> IsRecordedForAsync(Repository repository, Digest digest)
    {
        if (await index.GetLinkedBlobSizeAsync(repository, digest) is not null)
        {
            return true;
        }

        if (!await index.IsReferencedByAsync(repository, digest) || !await index.IsLinkedFromUpstreamAsync(repository.Upstream!, digest))
        {
            return false;
        }

        await index.LinkBlobAsync(repository, digest);
        return true;
    }

    private async Task<BlobLookup> HeadUpstreamAsync(Repository repository, Digest digest, CancellationToken cancellationToken)
    {
        var result = await upstreams.HeadBlobAsync(repository, digest, cancellationToken);
        if (result.Failure is { } failure)
        {
            return new BlobLookup.Missing(Unavailable(repository, digest, failure));
        }

        using var response = result.Response!;
        return response.Content.Headers.ContentLength is { } length
            ? new BlobLookup.Remote(length)
            : new BlobLookup.Missing(Unavailable(repository, digest, new UpstreamFailure(UpstreamFailureKind.Invalid, "HEAD without Content-Length")));
    }

    private static BlobUnknown Unavailable(Repository repository, Digest digest, UpstreamFailure failure) =>
        failure.IsOutage
            ? new BlobUnknown(digest, $"blob unknown to registry: not cached, and upstream {repository.Upstream} failed ({failure})",
                $"{digest} is not cached and upstream {repository.Upstream} failed: {failure}", failure)
            : new BlobUnknown(digest);
}
