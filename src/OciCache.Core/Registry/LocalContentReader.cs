using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>Reads what the registry holds itself: a repository sees only the blobs and manifests linked to it.</summary>
public sealed partial class LocalContentReader(
    IMetadataIndex index, IBlobStore store, AccessTracker access, ILogger<LocalContentReader> logger) : IContentReader
{
    public ValueTask<BlobLookup> GetBlobAsync(Repository repository, Digest digest, bool headOnly, CancellationToken cancellationToken)
    {
        if (index.GetLinkedBlobSize(repository.Name, digest) is null || !TryGetStored(digest, out var blob))
        {
            return ValueTask.FromResult<BlobLookup>(new BlobLookup.Missing(new BlobUnknown(digest)));
        }

        access.Touch(digest);
        return ValueTask.FromResult<BlobLookup>(new BlobLookup.Stored(blob));
    }

    public ValueTask<ManifestLookup> GetManifestAsync(Repository repository, Reference reference, bool headOnly, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(repository, reference, needBytes: !headOnly));

    /// <summary>
    /// The manifest as stored, or Missing; used by the pull-through cache for its local copy too. Without
    /// <paramref name="needBytes"/> the answer comes from metadata alone (memory when warm): a HEAD touches
    /// no file. The store and the metadata are kept in agreement by verify and scrub.
    /// </summary>
    public ManifestLookup Find(Repository repository, Reference reference, bool needBytes = true)
    {
        var digest = reference.Digest;
        if (reference.IsTag)
        {
            if (index.GetTag(repository.Name, reference.Tag) is not { } tag)
            {
                return new ManifestLookup.Missing(new ManifestUnknown(reference));
            }

            digest = tag.Digest;
        }

        if (index.GetManifest(repository.Name, digest) is not { } manifest)
        {
            return new ManifestLookup.Missing(new ManifestUnknown(reference));
        }

        access.Touch(digest);

        if (!needBytes)
        {
            return new ManifestLookup.Found(manifest, store.Layout.BlobPath(digest));
        }

        return TryGetStored(digest, out var blob)
            ? new ManifestLookup.Found(manifest, blob.Path)
            : new ManifestLookup.Missing(new ManifestUnknown(reference));
    }

    private bool TryGetStored(Digest digest, out StoredBlob blob)
    {
        if (store.TryGet(digest, out blob))
        {
            return true;
        }

        LogMissingFile(digest);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Metadata names blob {Digest} but its file is missing; run `ocicache verify --repair`")]
    private partial void LogMissingFile(Digest digest);
}
