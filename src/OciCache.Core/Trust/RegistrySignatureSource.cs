using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Trust;

/// <summary>
/// Signatures of one repository read through the registry: tags and manifests through <see cref="IContentReader"/>
/// (for a mirror the pull-through reader fetches a <c>sha256-&lt;hex&gt;.sig</c> tag or a referrer from the
/// upstream and stores it, so a check works offline once it has run), blobs the same way, and referrers from
/// the metadata index plus, for a mirror, those its upstream lists. Every read is bounded by the caller's size.
/// </summary>
internal sealed class RegistrySignatureSource(
    Repository repository, IContentReader reader, IBlobStore store, IManifestIndex index, IUpstreamReferrers? upstream) : ISignatureSource
{
    /// <summary>At most this many referrers of one subject are looked at.</summary>
    public const int MaxReferrers = 64;

    public async ValueTask<ReadOnlyMemory<byte>?> GetManifestAsync(Reference reference, int maxBytes, CancellationToken cancellationToken)
    {
        if (await reader.GetManifestAsync(repository, reference, headOnly: false, cancellationToken) is not ManifestLookup.Found found ||
            found.Manifest.Size > maxBytes)
        {
            return null;
        }

        return found.Content ?? await ReadStoredAsync(found.Manifest.Digest, maxBytes, cancellationToken);
    }

    public async ValueTask<ReadOnlyMemory<byte>?> GetBlobAsync(Digest digest, int maxBytes, CancellationToken cancellationToken)
    {
        switch (await reader.GetBlobAsync(repository, digest, headOnly: false, cancellationToken))
        {
            case BlobLookup.Stored stored:
                return stored.Length > maxBytes ? null : await ReadStoredAsync(digest, maxBytes, cancellationToken);
            case BlobLookup.Filling filling:
                using (var blob = filling.Blob)
                {
                    return await ReadGrowingAsync(blob, maxBytes, cancellationToken);
                }

            default:
                return null;
        }
    }

    public async ValueTask<IReadOnlyList<Descriptor>> GetReferrersAsync(Digest subject, CancellationToken cancellationToken)
    {
        var referrers = new List<Descriptor>();
        await foreach (var stored in index.ListReferrersAsync(repository, subject, null, null, cancellationToken))
        {
            referrers.Add(new Descriptor(stored.MediaType, stored.Digest, stored.Size) { ArtifactType = stored.ArtifactType });
            if (referrers.Count == MaxReferrers)
            {
                return referrers;
            }
        }

        if (repository.IsMirror && upstream is not null)
        {
            // Not stored yet: their types are unknown until read (a descriptor of size 0 says so).
            var known = referrers.Select(r => r.Digest).ToHashSet();
            foreach (var digest in await upstream.ListAsync(repository, subject, cancellationToken))
            {
                if (referrers.Count == MaxReferrers)
                {
                    break;
                }

                if (known.Add(digest))
                {
                    referrers.Add(new Descriptor(MediaTypes.OciManifest, digest, 0));
                }
            }
        }

        return referrers;
    }

    private async ValueTask<ReadOnlyMemory<byte>?> ReadStoredAsync(Digest digest, int maxBytes, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(digest, cancellationToken);
        if (content is null || content.Length > maxBytes)
        {
            return null;
        }

        var bytes = new byte[content.Length];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = await content.ReadAtAsync(read, bytes.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return null;
            }

            read += n;
        }

        return bytes;
    }

    private static async ValueTask<ReadOnlyMemory<byte>?> ReadGrowingAsync(IGrowingBlob blob, int maxBytes, CancellationToken cancellationToken)
    {
        using var stream = blob.OpenRead(0);
        if (stream is null)
        {
            return null;
        }

        var buffer = new byte[Math.Min(maxBytes, 16 * 1024) + 1];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (buffer.Length > maxBytes)
                {
                    return null; // more than the bound
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxBytes + 1));
            }

            var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read.Failure is not null)
            {
                return null;
            }

            if (read.Count == 0)
            {
                return buffer.AsMemory(0, total);
            }

            total += read.Count;
        }
    }
}
