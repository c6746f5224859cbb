using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Trust;

namespace OciCache.Transfer;

/// <summary>
/// Where export and import read signatures from: only what is on this machine, never an upstream. Export
/// reads one repository of the store (<see cref="Store"/>); import reads the bundle (<see cref="Bundle"/>):
/// its index.json entries of one repository (cosign's <c>sha256-&lt;hex&gt;.sig</c> tag, the referrers an
/// export wrote) and its blobs, staged and verified in the store before anything is checked.
/// </summary>
internal static class TransferSignatures
{
    public static ISignatureSource Store(IManifestIndex index, IBlobStore store, Repository repository) => new StoreSource(index, store, repository);

    public static ISignatureSource Bundle(IBlobStore store, IReadOnlyDictionary<Digest, long> staged, IReadOnlyList<BundleManifest> manifests) =>
        new BundleSource(store, staged, manifests);

    /// <summary>A blob's bytes, or null when it is not stored or larger than <paramref name="maxBytes"/>.</summary>
    private static async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(IBlobStore store, Digest digest, int maxBytes, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(digest, cancellationToken);
        if (content is null || content.Length > maxBytes)
        {
            return null;
        }

        return await content.ReadAllAsync(cancellationToken);
    }

    private sealed class StoreSource(IManifestIndex index, IBlobStore store, Repository repository) : ISignatureSource
    {
        public async ValueTask<ReadOnlyMemory<byte>?> GetManifestAsync(Reference reference, int maxBytes, CancellationToken cancellationToken)
        {
            var digest = reference.IsTag ? (await index.GetTagAsync(repository, reference.Tag, cancellationToken))?.Digest : reference.Digest;
            return digest is { } d && await index.GetManifestAsync(repository, d, cancellationToken) is not null
                ? await ReadAsync(store, d, maxBytes, cancellationToken)
                : null;
        }

        public ValueTask<ReadOnlyMemory<byte>?> GetBlobAsync(Digest digest, int maxBytes, CancellationToken cancellationToken) =>
            ReadAsync(store, digest, maxBytes, cancellationToken);

        public async ValueTask<IReadOnlyList<Descriptor>> GetReferrersAsync(Digest subject, CancellationToken cancellationToken)
        {
            var referrers = new List<Descriptor>();
            await foreach (var record in index.ListReferrersAsync(repository, subject, null, null, cancellationToken))
            {
                referrers.Add(new Descriptor(record.MediaType, record.Digest, record.Size) { ArtifactType = record.ArtifactType });
            }

            return referrers;
        }
    }

    private sealed class BundleSource(IBlobStore store, IReadOnlyDictionary<Digest, long> staged, IReadOnlyList<BundleManifest> manifests) : ISignatureSource
    {
        public async ValueTask<ReadOnlyMemory<byte>?> GetManifestAsync(Reference reference, int maxBytes, CancellationToken cancellationToken)
        {
            var digest = reference.IsTag ? manifests.FirstOrDefault(m => m.Tag == reference.Tag)?.Digest : reference.Digest;
            return digest is { } d ? await GetBlobAsync(d, maxBytes, cancellationToken) : null;
        }

        public async ValueTask<ReadOnlyMemory<byte>?> GetBlobAsync(Digest digest, int maxBytes, CancellationToken cancellationToken) =>
            staged.ContainsKey(digest) ? await ReadAsync(store, digest, maxBytes, cancellationToken) : null;

        public ValueTask<IReadOnlyList<Descriptor>> GetReferrersAsync(Digest subject, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<Descriptor>>(manifests
                .Where(m => m.Subject == subject)
                .DistinctBy(m => m.Digest)
                .Select(m => new Descriptor(m.MediaType, m.Digest, m.Size) { ArtifactType = m.ArtifactType })
                .ToList());
    }
}

/// <summary>An index.json entry of an import bundle as a signature source sees it: its tag (if any) and what its manifest says of itself.</summary>
internal sealed record BundleManifest(string? Tag, Digest Digest, string MediaType, long Size, Digest? Subject, string? ArtifactType);
