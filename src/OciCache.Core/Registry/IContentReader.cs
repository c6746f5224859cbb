using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>
/// The read side of the registry, the same contract for local and mirror repositories so that the HTTP
/// handlers cannot tell them apart (the pull-through cache decorates the local reader).
/// </summary>
public interface IContentReader
{
    /// <summary>
    /// Resolves a blob. <paramref name="headOnly"/> lets a mirror answer a HEAD from an upstream HEAD
    /// instead of fetching the bytes.
    /// </summary>
    ValueTask<BlobLookup> GetBlobAsync(Repository repository, Digest digest, bool headOnly, CancellationToken cancellationToken);

    /// <summary>
    /// Resolves a manifest by tag or digest. <paramref name="headOnly"/> lets a mirror answer from metadata
    /// without fetching bytes it does not have yet.
    /// </summary>
    ValueTask<ManifestLookup> GetManifestAsync(Repository repository, Reference reference, bool headOnly, CancellationToken cancellationToken);
}

/// <summary>The outcome of a blob lookup; exactly one of the shapes below.</summary>
public abstract record BlobLookup
{
    private BlobLookup()
    {
    }

    /// <summary>Committed in the local store.</summary>
    public sealed record Stored(StoredBlob Blob) : BlobLookup;

    /// <summary>Being fetched from an upstream; readable while it grows.</summary>
    public sealed record Filling(IGrowingBlob Blob) : BlobLookup;

    /// <summary>Known to exist (an upstream answered a HEAD) but not stored: enough for a HEAD response.</summary>
    public sealed record Remote(long Length) : BlobLookup;

    public sealed record Missing(RegistryException Error) : BlobLookup;
}

/// <summary>
/// A blob whose bytes arrive over time and which any number of readers may follow. Each lookup hands out a
/// share of its own: while it lives the fetch counts one more waiting client, and disposing it (the request
/// ended) releases that share. Disposing is idempotent.
/// </summary>
public interface IGrowingBlob : IDisposable
{
    Digest Digest { get; }

    /// <summary>The final length when the source announced it, otherwise null until complete.</summary>
    long? Length { get; }

    /// <summary>Bytes received from the source so far (progress displays).</summary>
    long Received { get; }

    /// <summary>Completes, never faulted, when the fetch ended; then <see cref="Published"/> and <see cref="Failure"/> tell how.</summary>
    Task Completion { get; }

    /// <summary>True once the bytes were verified and committed to the store under <see cref="Digest"/>.</summary>
    bool Published { get; }

    /// <summary>
    /// Why the fetch failed, once it has. Null while it runs, once it was published, and when a full disk made
    /// it relay the bytes to its readers without keeping them (then <see cref="Published"/> stays false).
    /// </summary>
    Exception? Failure { get; }

    /// <summary>
    /// A stream of the blob from <paramref name="offset"/> that waits for bytes not yet arrived and ends
    /// at the verified end of the blob, or throws if the fetch fails or the bytes do not match the digest.
    /// </summary>
    Stream OpenRead(long offset);

    /// <summary>Waits until the length is known (it is, at the latest, when the fetch completes).</summary>
    Task<long> GetLengthAsync(CancellationToken cancellationToken);
}

/// <summary>A resolved manifest: its record, where its bytes are, and any staleness warning.</summary>
public abstract record ManifestLookup
{
    private ManifestLookup()
    {
    }

    public sealed record Found(ManifestRecord Manifest, string? Path) : ManifestLookup
    {
        /// <summary>An RFC 7234 <c>Warning</c> value when a mirror served a copy it could not revalidate.</summary>
        public string? Warning { get; init; }
    }

    public sealed record Missing(RegistryException Error) : ManifestLookup;
}
