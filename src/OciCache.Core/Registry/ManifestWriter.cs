using System.Buffers;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>
/// The one way a manifest is stored, whether a client pushed it or an upstream sent it for a mirror:
/// size limit, validation, digest, the bytes published like any blob, then the row with its references
/// and tag. What differs by origin is stated by <see cref="ManifestOrigin"/>.
/// </summary>
public sealed class ManifestWriter(IBlobIndex blobs, IManifestIndex manifests, ContentPublisher publisher, ImmutableTags immutableTags, QuotaGuard quotas)
{
    /// <summary>
    /// A pushed manifest may reference at most this many distinct blobs and child manifests (config, layers,
    /// index entries). Each is a row written in the manifest's one transaction, which every other write waits
    /// behind: the bound is the bound on that wait. Real images stay far below it (overlay filesystems stop
    /// at 128 layers; a multi-platform index with attestations holds a few dozen entries).
    /// </summary>
    public const int MaxReferences = 1000;

    /// <summary>Stores a pushed manifest byte-for-byte and tags it when <paramref name="reference"/> is a tag.</summary>
    /// <exception cref="FailureException">As <see cref="WriteAsync"/>.</exception>
    public Task<PutManifestResult> PutAsync(
        Repository repository, Reference reference, Stream body, string? contentType, CancellationToken cancellationToken) =>
        WriteAsync(repository, reference, body, contentType, ManifestOrigin.Push, cancellationToken);

    /// <summary>
    /// Stores a manifest byte-for-byte under the digest of its bytes (sha256 when addressed by tag, else the
    /// reference's algorithm) and tags it when <paramref name="reference"/> is a tag. A mirror repository's
    /// row records its upstream.
    /// </summary>
    /// <exception cref="FailureException">
    /// <see cref="TooLarge"/> over 4 MiB, <see cref="ManifestInvalid"/> (also for a pushed schema1 manifest, or a push that references more
    /// than <see cref="MaxReferences"/>), <see cref="DigestInvalid"/> when addressed by a digest its bytes do
    /// not have (or claimed by an upstream to have one they do not), <see cref="ManifestBlobUnknown"/> when a push
    /// references a blob or child manifest the repository lacks, <see cref="Denied"/> when the push would move an
    /// immutable tag (<see cref="ImmutableTags"/>) or take a quota over its limit (<see cref="QuotaGuard"/>).
    /// </exception>
    /// <exception cref="IOException">The bytes could not be stored.</exception>
    public async Task<PutManifestResult> WriteAsync(
        Repository repository, Reference reference, Stream body, string? contentType, ManifestOrigin origin, CancellationToken cancellationToken)
    {
        var content = await ReadBoundedAsync(body, cancellationToken);
        var document = ManifestDocument.Parse(content, origin.TrustsGenericContentType || !IsGeneric(contentType) ? contentType : null);
        CheckLimits(document, origin);
        var algorithm = reference.IsTag ? Digest.Sha256 : reference.Digest.Algorithm;
        var digest = Digest.FromHash(algorithm, Hash(algorithm, content.Span));
        if (!reference.IsTag && digest != reference.Digest)
        {
            throw new FailureException(new DigestInvalid($"manifest bytes hash to {digest}, not {reference.Digest}"));
        }

        if (origin.ClaimedDigest is { } claimed && claimed.Algorithm == digest.Algorithm && claimed != digest)
        {
            throw new FailureException(new DigestInvalid($"Docker-Content-Digest says {claimed} for a manifest whose bytes hash to {digest}"));
        }

        var references = origin.RequireReferencedContent ? await CheckReferencesAsync(repository, document, cancellationToken) : References(document);

        // Annotations of any size up to the manifest's own: the row keeps only the descriptor's cut, cut here,
        // before the write transaction, so a 4 MiB annotations object costs that transaction no more than a small one.
        var record = new ManifestRecord(digest, document.MediaType, content.Length)
        {
            ArtifactType = document.ArtifactType,
            Subject = document.Subject?.Digest,
            AnnotationsJson = AnnotationLimits.ForDescriptor(document.AnnotationsJson),
        };
        var linked = origin.RequireReferencedContent ? document.RequiredBlobs.Select(b => b.Digest).Distinct().ToList() : null;
        var kept = reference.IsTag ? immutableTags.Find(repository, reference.Tag) : null;

        // The manifest's own bytes are what a push adds to a quota: what it references is linked already.
        using var admission = await quotas.AdmitAsync(repository, [(digest, content.Length)], cancellationToken);
        var put = await publisher.PublishManifestAsync(repository, record, content, references, reference.Tag, linked, kept is not null, cancellationToken);
        if (put.Unlinked is { } unlinked)
        {
            // Deleted from the repository between the check above and the write.
            throw new FailureException(new ManifestBlobUnknown(unlinked, "blob unknown to registry"));
        }

        if (put.TagHeldBy is { } held)
        {
            throw new FailureException(new Denied(
                $"tag {reference.Tag} of {repository.Name} is immutable (Tags:Immutable `{kept}`): it names {held}", null));
        }

        admission.Written();
        return new PutManifestResult(digest, document.Subject?.Digest) { Record = record, Content = content };
    }

    /// <summary>
    /// What <paramref name="origin"/> may not store, whatever the repository holds: a pushed schema1 manifest, and
    /// a push's references over their limit. Import plans with it, so a bundle the writer would
    /// refuse is refused before anything of it is recorded.
    /// </summary>
    /// <exception cref="FailureException"><see cref="ManifestInvalid"/>, its detail naming the limit.</exception>
    public static void CheckLimits(ManifestDocument document, ManifestOrigin origin)
    {
        if (!origin.AcceptsSchema1 && MediaTypes.IsSchema1(document.MediaType))
        {
            throw new FailureException(new ManifestInvalid(
                "Docker schema1 manifests are not accepted; push a Docker schema2 or OCI manifest"));
        }

        if (origin.LimitsReferences && References(document) is { Count: > MaxReferences } many)
        {
            throw new FailureException(new ManifestInvalid(
                $"the manifest references {many.Count} blobs and manifests; at most {MaxReferences} are accepted"));
        }
    }

    private static List<Digest> References(ManifestDocument document) =>
        document.RequiredBlobs.Select(b => b.Digest).Concat(document.Manifests.Select(m => m.Digest)).Distinct().ToList();

    private async Task<List<Digest>> CheckReferencesAsync(Repository repository, ManifestDocument document, CancellationToken cancellationToken)
    {
        foreach (var blob in document.RequiredBlobs)
        {
            if (await blobs.GetLinkedBlobSizeAsync(repository, blob.Digest, cancellationToken) is null)
            {
                throw new FailureException(new ManifestBlobUnknown(blob.Digest, "blob unknown to registry"));
            }
        }

        foreach (var child in document.Manifests)
        {
            if (await manifests.GetManifestAsync(repository, child.Digest, cancellationToken) is null)
            {
                throw new FailureException(new ManifestBlobUnknown(child.Digest, "manifest unknown to registry"));
            }
        }

        return References(document);
    }

    private static bool IsGeneric(string? contentType) =>
        MediaTypes.Normalize(contentType) is "" or "application/octet-stream" or "text/plain" or "application/json";

    /// <summary>Reads at most <see cref="ManifestDocument.MaxSize"/> bytes; more is refused with 413.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenMemory;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > ManifestDocument.MaxSize)
            {
                throw new FailureException(new TooLarge("manifest too large",
                    $"manifests are limited to {ManifestDocument.MaxSize} bytes"));
            }
        }
    }

    private static byte[] Hash(string algorithm, ReadOnlySpan<byte> content) => algorithm == Digest.Sha512
        ? System.Security.Cryptography.SHA512.HashData(content)
        : System.Security.Cryptography.SHA256.HashData(content);
}

public sealed record PutManifestResult(Digest Digest, Digest? Subject)
{
    /// <summary>The row as written.</summary>
    public required ManifestRecord Record { get; init; }

    /// <summary>The bytes as stored (bounded by the manifest size limit).</summary>
    public required ReadOnlyMemory<byte> Content { get; init; }
}
