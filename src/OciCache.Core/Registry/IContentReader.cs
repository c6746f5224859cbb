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
    /// Resolves a blob that a manifest's <paramref name="descriptor"/> names (a copy walking an image): a
    /// mirror's fetch expects the descriptor's size, and is cut as soon as the upstream sends more.
    /// </summary>
    ValueTask<BlobLookup> GetBlobAsync(Repository repository, Descriptor descriptor, CancellationToken cancellationToken) =>
        GetBlobAsync(repository, descriptor.Digest, headOnly: false, cancellationToken);

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

    /// <summary>
    /// Committed in the local store, with its length: its bytes are read through
    /// <see cref="IBlobStore.OpenReadAsync"/>, which returns null when the blob was removed since (look again).
    /// </summary>
    public sealed record Stored(long Length) : BlobLookup;

    /// <summary>Being fetched from an upstream; readable while it grows.</summary>
    public sealed record Filling(IGrowingBlob Blob) : BlobLookup;

    /// <summary>Known to exist (an upstream answered a HEAD) but not stored: enough for a HEAD response.</summary>
    public sealed record Remote(long Length) : BlobLookup;

    public sealed record Missing(Failure Failure) : BlobLookup;
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

    /// <summary>Bytes that have arrived so far (progress displays).</summary>
    long Received { get; }

    /// <summary>
    /// A reader of the blob from <paramref name="offset"/> that waits for bytes not yet arrived and ends at
    /// the verified end of the blob. Null when the bytes vanished (the committed blob was evicted since):
    /// look the blob up again.
    /// </summary>
    IGrowingBlobReader? OpenRead(long offset);

    /// <summary>Waits until the length is known (at the latest when the fetch completes); null when the fetch failed first.</summary>
    Task<long?> GetLengthAsync(CancellationToken cancellationToken);

    /// <summary>Completes when the fetch ended, telling whether the blob was stored and, if the fetch failed, why.</summary>
    Task<GrowingBlobOutcome> WhenDoneAsync(CancellationToken cancellationToken);
}

/// <summary>How a fetch ended: stored (or at least delivered intact), or failed with a reason.</summary>
public readonly record struct GrowingBlobOutcome(bool Stored, long Length, Failure? Failure);

/// <summary>One reader's position in a growing blob.</summary>
public interface IGrowingBlobReader : IDisposable
{
    /// <summary>
    /// Reads at the reader's position, waiting for bytes that have not arrived. A count of 0 is the verified
    /// end; a failure (the fetch broke off or the bytes did not match the digest) means the body the
    /// client received so far must be cut off, never completed.
    /// </summary>
    ValueTask<GrowingRead> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken);
}

/// <summary>One read: a count of bytes (0 at the end) or why the blob cannot be completed.</summary>
public readonly record struct GrowingRead(int Count, string? Failure);

/// <summary>
/// A resolved manifest: its record and any staleness warning. Its bytes are <see cref="Found.Content"/> when
/// they were just fetched, else read from the store under the record's digest
/// (<see cref="IBlobStore.OpenReadAsync"/>; null there means removed since: look again).
/// </summary>
public abstract record ManifestLookup
{
    private ManifestLookup()
    {
    }

    public sealed record Found(ManifestRecord Manifest) : ManifestLookup
    {
        /// <summary>An RFC 7234 <c>Warning</c> value when a mirror served a copy it could not revalidate.</summary>
        public string? Warning { get; init; }

        /// <summary>
        /// The bytes themselves, when they were just fetched: they are served as fetched even if eviction
        /// removed the stored copy in the meantime (a small budget under many concurrent pulls).
        /// </summary>
        public ReadOnlyMemory<byte>? Content { get; init; }
    }

    public sealed record Missing(Failure Failure) : ManifestLookup;
}
