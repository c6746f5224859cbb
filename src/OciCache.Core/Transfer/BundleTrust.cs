using OciCache.Oci;
using OciCache.Storage;
using OciCache.Trust;

namespace OciCache.Transfer;

/// <summary>
/// The trust check of an import: each image entry of the bundle bound for a repository a rule covers,
/// against the signatures the bundle carries for that repository (<see cref="TransferSignatures.Bundle"/>).
/// Entries that are signatures or referrers (a cosign signature tag, a manifest with a subject) are not
/// checked: they are what the check reads.
/// </summary>
internal sealed class BundleTrust(
    ITrustPolicy trust, IBlobStore store, IReadOnlyDictionary<Digest, long> staged, IReadOnlyList<(LayoutEntry Entry, TransferReference Reference)> entries)
{
    private readonly Dictionary<string, IReadOnlyList<BundleManifest>> _byRepository = new(StringComparer.Ordinal);

    /// <summary>Null when the entry is signed, or not checked; else why not, and whether the rule refuses it.</summary>
    public async Task<UnsignedImage?> CheckAsync(LayoutEntry entry, TransferReference image, CancellationToken cancellationToken)
    {
        if (SignatureArtifacts.IsSignatureReference(image.Reference) || !trust.Covers(image.Repository))
        {
            return null;
        }

        var manifests = await ManifestsOfAsync(image, cancellationToken);
        if (manifests.FirstOrDefault(m => m.Digest == entry.Digest) is { Subject: not null })
        {
            return null; // a referrer of another manifest
        }

        var source = TransferSignatures.Bundle(store, staged, manifests);
        var verdict = await trust.EvaluateAsync(image.Repository, entry.Digest, source, cancellationToken);
        if (verdict.Mode == TrustMode.Off || verdict.State is not (TrustState.Unsigned or TrustState.Invalid))
        {
            return null;
        }

        var text = verdict.Describe($"{image.FullName} ({entry.Digest})");
        return new UnsignedImage(text, verdict.Refuses);
    }

    /// <summary>The bundle's entries for the repository, each manifest read once (a staged, verified blob; bounded).</summary>
    private async Task<IReadOnlyList<BundleManifest>> ManifestsOfAsync(TransferReference image, CancellationToken cancellationToken)
    {
        if (_byRepository.TryGetValue(image.Repository.Name, out var known))
        {
            return known;
        }

        var manifests = new List<BundleManifest>();
        foreach (var (entry, reference) in entries.Where(e => e.Reference.Repository.Name == image.Repository.Name))
        {
            Digest? subject = null;
            string? artifactType = null;
            if (staged.TryGetValue(entry.Digest, out var size) && size <= ManifestDocument.MaxSize)
            {
                try
                {
                    var document = ManifestDocument.Parse(await ManifestBytes.ReadAsync(store, entry.Digest, cancellationToken), entry.MediaType);
                    subject = document.Subject?.Digest;
                    artifactType = document.ArtifactType ?? document.Config?.MediaType;
                }
                catch (FailureException)
                {
                    // Not a manifest: planning names it, with the image it belongs to.
                }
            }

            manifests.Add(new BundleManifest(reference.Reference.IsTag ? reference.Reference.Tag : null, entry.Digest, entry.MediaType, entry.Size, subject, artifactType));
        }

        _byRepository[image.Repository.Name] = manifests;
        return manifests;
    }
}

/// <summary>An image of a bundle a trust rule finds unsigned or invalid: the words naming it, rule and reason; whether the rule refuses it.</summary>
internal sealed record UnsignedImage(string Text, bool Refused);
