using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Re-hashes stored blobs at a bounded rate. A blob whose bytes no longer match its digest is moved to
/// <c>quarantine/</c> and dropped from the metadata, so the next pull of a mirror refetches it and a local
/// repository reports it unknown rather than serving it. Uses the same check as <c>ocicache verify</c>.
/// </summary>
public sealed partial class Scrubber(IBlobIndex index, IBlobStore store, ScrubOptions options, ILogger<Scrubber> logger)
{
    /// <summary>One pass over every blob; returns how many were found corrupt.</summary>
    public async Task<int> ScrubAsync(CancellationToken cancellationToken)
    {
        var corrupt = 0;
        // Collected first: the pass is slow on purpose, and a read held open that long would keep the WAL from being checkpointed.
        foreach (var blob in await index.EnumerateBlobsAsync(cancellationToken).ToListAsync(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await MatchesAsync(blob.Digest, cancellationToken) is not false)
            {
                continue; // sound, or removed meanwhile
            }

            corrupt++;
            LogCorrupt(blob.Digest);
            await index.RemoveBlobAsync(blob.Digest);
            store.Quarantine(blob.Digest);
        }

        return corrupt;
    }

    /// <summary>The shared check of <see cref="BlobHasher"/>, at the configured rate; null when the blob is not stored (removed meanwhile).</summary>
    private async Task<bool?> MatchesAsync(Digest digest, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(digest, cancellationToken);
        return content is null ? null : await BlobHasher.MatchesAsync(content.Stream, digest, options.BytesPerSecond, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scrub found blob {Digest} corrupt on disk; quarantined and dropped (a mirror refetches it on the next pull)")]
    private partial void LogCorrupt(Digest digest);
}
