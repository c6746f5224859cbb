using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>Reads what the registry holds itself: a repository sees only the blobs and manifests linked to it.</summary>
public sealed partial class LocalContentReader(
    IBlobIndex blobs, IManifestIndex manifests, IBlobStore store, AccessTracker access, ILogger<LocalContentReader> logger) : IContentReader
{
    public async ValueTask<BlobLookup> GetBlobAsync(Repository repository, Digest digest, bool headOnly, CancellationToken cancellationToken)
    {
        if (await blobs.GetLinkedBlobSizeAsync(repository, digest, cancellationToken) is null || await GetStoredLengthAsync(digest, cancellationToken) is not { } length)
        {
            return new BlobLookup.Missing(new BlobUnknown(digest));
        }

        access.Touch(digest);
        return new BlobLookup.Stored(length);
    }

    public ValueTask<ManifestLookup> GetManifestAsync(Repository repository, Reference reference, bool headOnly, CancellationToken cancellationToken) =>
        FindAsync(repository, reference, needBytes: !headOnly, cancellationToken);

    /// <summary>
    /// The manifest as stored, or Missing; used by the pull-through cache for its local copy too. Without
    /// <paramref name="needBytes"/> the answer comes from metadata alone (memory when warm): a HEAD touches
    /// no file. The store and the metadata are kept in agreement by verify and scrub.
    /// </summary>
    public async ValueTask<ManifestLookup> FindAsync(
        Repository repository, Reference reference, bool needBytes = true, CancellationToken cancellationToken = default)
    {
        var digest = reference.Digest;
        if (reference.IsTag)
        {
            if (await manifests.GetTagAsync(repository, reference.Tag, cancellationToken) is not { } tag)
            {
                return new ManifestLookup.Missing(new ManifestUnknown(reference));
            }

            digest = tag.Digest;
        }

        if (await manifests.GetManifestAsync(repository, digest, cancellationToken) is not { } manifest)
        {
            return new ManifestLookup.Missing(new ManifestUnknown(reference));
        }

        access.Touch(digest);

        if (!needBytes)
        {
            return new ManifestLookup.Found(manifest);
        }

        return await GetStoredLengthAsync(digest, cancellationToken) is not null
            ? new ManifestLookup.Found(manifest)
            : new ManifestLookup.Missing(new ManifestUnknown(reference));
    }

    private async ValueTask<long?> GetStoredLengthAsync(Digest digest, CancellationToken cancellationToken)
    {
        var length = await store.GetLengthAsync(digest, cancellationToken);
        if (length is null)
        {
            LogMissingFile(digest);
        }

        return length;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Metadata names blob {Digest} but its file is missing; run `ocicache verify --repair`")]
    private partial void LogMissingFile(Digest digest);
}
