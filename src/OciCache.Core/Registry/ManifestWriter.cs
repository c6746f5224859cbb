using System.Buffers;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Registry;

/// <summary>Accepts manifest pushes to local repositories: size limit, validation, references, then publish.</summary>
public sealed class ManifestWriter(IMetadataIndex index, IBlobStore store)
{
    /// <summary>
    /// Stores a pushed manifest byte-for-byte and tags it when <paramref name="reference"/> is a tag.
    /// </summary>
    /// <exception cref="RegistryException">
    /// SIZE_INVALID (413) over 4 MiB, MANIFEST_INVALID, DIGEST_INVALID when pushed by a digest its bytes do
    /// not have, MANIFEST_BLOB_UNKNOWN when the repository lacks a referenced blob or child manifest.
    /// </exception>
    public async Task<PutManifestResult> PutAsync(
        Repository repository, Reference reference, Stream body, string? contentType, CancellationToken cancellationToken)
    {
        var content = await ReadBoundedAsync(body, cancellationToken);
        var document = ManifestDocument.Parse(content, contentType);
        var algorithm = reference.IsTag ? Digest.Sha256 : reference.Digest.Algorithm;
        var digest = Digest.FromHash(algorithm, Hash(algorithm, content.Span));
        if (!reference.IsTag && digest != reference.Digest)
        {
            throw RegistryErrors.DigestInvalid($"manifest bytes hash to {digest}, not {reference.Digest}");
        }

        var references = CheckReferences(repository, document);
        if (await store.PutSmallAsync(digest, content, cancellationToken) != BlobCommitResult.Committed)
        {
            throw new InvalidOperationException($"manifest bytes changed while being stored as {digest}");
        }

        var record = new ManifestRecord(digest, document.MediaType, content.Length)
        {
            ArtifactType = document.ArtifactType,
            Subject = document.Subject?.Digest,
            AnnotationsJson = document.AnnotationsJson,
        };
        index.PutManifest(repository.Name, null, record, references, reference.Tag);
        return new PutManifestResult(digest, document.Subject?.Digest);
    }

    private List<Digest> CheckReferences(Repository repository, ManifestDocument document)
    {
        var references = new List<Digest>();
        foreach (var blob in document.RequiredBlobs)
        {
            if (index.GetLinkedBlobSize(repository.Name, blob.Digest) is null)
            {
                throw new RegistryException(OciErrorCode.ManifestBlobUnknown, "blob unknown to registry", blob.Digest.ToString());
            }

            references.Add(blob.Digest);
        }

        foreach (var child in document.Manifests)
        {
            if (index.GetManifest(repository.Name, child.Digest) is null)
            {
                throw new RegistryException(OciErrorCode.ManifestBlobUnknown, "manifest unknown to registry", child.Digest.ToString());
            }

            references.Add(child.Digest);
        }

        return references;
    }

    /// <summary>Reads at most <see cref="ManifestDocument.MaxSize"/> bytes; more is refused with 413.</summary>
    internal static async Task<ReadOnlyMemory<byte>> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
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
                throw new RegistryException(OciErrorCode.PayloadTooLarge, "manifest too large",
                    $"manifests are limited to {ManifestDocument.MaxSize} bytes");
            }
        }
    }

    private static byte[] Hash(string algorithm, ReadOnlySpan<byte> content) => algorithm == Digest.Sha512
        ? System.Security.Cryptography.SHA512.HashData(content)
        : System.Security.Cryptography.SHA256.HashData(content);
}

public sealed record PutManifestResult(Digest Digest, Digest? Subject);
