using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>Reads what the registry holds itself: a repository sees only the blobs and manifests linked to it.</summary>
public sealed partial class LocalContentReader(IMetadataIndex index, IBlobStore store, ILogger<LocalContentReader> logger) : IContentReader
{
    public ValueTask<BlobLookup> GetBlobAsync(Repository repository, Digest digest, CancellationToken cancellationToken)
    {
        if (index.GetLinkedBlobSize(repository.Name, digest) is null || !TryGetStored(digest, out var blob))
        {
            return ValueTask.FromResult<BlobLookup>(new BlobLookup.Missing(RegistryErrors.BlobUnknown(digest)));
        }

        return ValueTask.FromResult<BlobLookup>(new BlobLookup.Stored(blob));
    }

    public ValueTask<ManifestLookup> GetManifestAsync(Repository repository, Reference reference, bool headOnly, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(repository, reference));

    /// <summary>The manifest as stored, or Missing; used by the pull-through cache for its local copy too.</summary>
    public ManifestLookup Find(Repository repository, Reference reference)
    {
        var digest = reference.Digest;
        if (reference.IsTag)
        {
            if (index.GetTag(repository.Name, reference.Tag) is not { } tag)
            {
                return new ManifestLookup.Missing(RegistryErrors.ManifestUnknown(reference));
            }

            digest = tag.Digest;
        }

        if (index.GetManifest(repository.Name, digest) is not { } manifest || !TryGetStored(digest, out var blob))
        {
            return new ManifestLookup.Missing(RegistryErrors.ManifestUnknown(reference));
        }

        return new ManifestLookup.Found(manifest, blob.Path);
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
