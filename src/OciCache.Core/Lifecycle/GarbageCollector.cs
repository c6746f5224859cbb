using Microsoft.Extensions.Logging;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Removes what nothing needs any more: local blobs no manifest of their repository has referenced for a
/// grace period, abandoned upload sessions, and files left behind by interrupted writes (older than the
/// grace period, so a write in progress is never mistaken for a leftover).
/// </summary>
public sealed partial class GarbageCollector(
    IEvictionIndex index, IBlobIndex blobIndex, IUploadIndex uploadIndex, IBlobStore store, UploadService uploads, IMetadataHealth metadata, GarbageCollectionOptions options, UploadOptions uploadOptions, TimeProvider time,
    ILogger<GarbageCollector> logger)
{
    public async Task<GcReport> CollectAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await index.MarkOrphanedLinksAsync(now);
        var links = await index.DeleteOrphanedLinksAsync(now - options.GracePeriod);

        long bytes = 0;
        var blobs = 0;
        foreach (var blob in await index.ListUnneededBlobsAsync(null, UnneededScope.KeepLinked, cancellationToken))
        {
            await blobIndex.RemoveBlobAsync(blob.Digest);
            store.Delete(blob.Digest);
            bytes += blob.Size;
            blobs++;
        }

        var files = await RemoveLeftoverFilesAsync(now, cancellationToken);
        var expired = await uploads.ExpireOlderThanAsync(now - uploadOptions.IdleExpiry);
        var report = new GcReport(links, blobs, bytes, files, expired);
        if (report.AnythingDone)
        {
            LogCollected(links, blobs, bytes, files, expired);
        }

        return report;
    }

    /// <summary>Blob files without a row and upload files without a session, older than the grace period.</summary>
    private async Task<int> RemoveLeftoverFilesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now - options.GracePeriod;
        var removed = 0;
        // Blob files the metadata does not know are leftovers of interrupted writes, unless the metadata itself
        // was lost (DatabaseFile): then nothing is removed until an operator restores it (`ocicache verify`
        // reports the same).
        var metadataLost = !metadata.MayCollectUnknownBlobs;
        var unknown = 0;
        foreach (var file in store.EnumerateFiles(StoreArea.Blobs))
        {
            if (file.LastWrite >= cutoff || (file.Digest is { } digest && await blobIndex.GetBlobAsync(digest, cancellationToken) is not null))
            {
                continue;
            }

            if (metadataLost && file.Digest is not null)
            {
                unknown++;
            }
            else if (store.Remove(file))
            {
                removed++;
            }
        }

        if (unknown > 0)
        {
            LogMetadataLost(unknown);
        }

        var sessions = (await uploadIndex.ListUploadsAsync(cancellationToken)).Select(u => u.Id).ToHashSet();
        foreach (var file in store.EnumerateFiles(StoreArea.Uploads))
        {
            if (!sessions.Contains(file.Name) && file.LastWrite < cutoff && store.Remove(file))
            {
                removed++;
            }
        }

        return removed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Garbage collection keeps {Files} blob files the metadata does not know: the metadata database was created at this start beside stored blobs, or deleted or replaced since; restore it, or run `ocicache verify`")]
    private partial void LogMetadataLost(int files);

    [LoggerMessage(Level = LogLevel.Information, Message = "Garbage collection: {Links} orphaned links, {Blobs} blobs ({Bytes} bytes), {Files} leftover files, {Uploads} abandoned uploads removed")]
    private partial void LogCollected(int links, int blobs, long bytes, int files, int uploads);
}

public sealed record GcReport(int Links, int Blobs, long Bytes, int Files, int Uploads)
{
    public bool AnythingDone => Links + Blobs + Files + Uploads > 0;
}
