using System.Text.Json;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Copies one image of a mirror repository into the store: its manifest (an index whole), the listed
/// platforms' child manifests and those manifests' blobs. Everything goes through the pull-through reader,
/// so fetches are shared with concurrent pulls and verified before they are published; content already
/// stored is not fetched again. Prefetch and sync share it.
/// In a repository a <c>Trust:Policies</c> rule covers, the image's digest is checked against the rule once
/// its manifest was read (<see cref="ImageTrust"/>): an enforcing rule's refusal fetches no child manifest,
/// config or layer of it.
/// </summary>
public sealed class ImageCopier(IContentReader reader, IBlobStore store, ImageTrust trust)
{
    /// <summary>
    /// Copies <paramref name="reference"/>; an empty <paramref name="platforms"/> means every platform.
    /// Throws a <see cref="FailureException"/> naming what failed (a <see cref="CopyFailed"/> with the lookup's
    /// or the fill's failure inside, a <see cref="ManifestInvalid"/>, or a <see cref="CopyFailed"/> with a
    /// <see cref="Denied"/> inside when a trust rule refuses the image); a requested platform the image lacks
    /// fails it, after the platforms it has were copied.
    /// </summary>
    public Task<CopiedImage> CopyAsync(Repository repository, Reference reference, IReadOnlyList<string> platforms, CopyTally tally, CancellationToken cancellationToken) =>
        CopyAsync(repository, reference, platforms, tally, checkTrust: true, cancellationToken);

    /// <summary>
    /// Copies a referrer (a signature, an attestation, an SBOM) whole, every platform: never checked against
    /// a trust rule, since clients need the signatures to verify anything.
    /// </summary>
    public Task<CopiedImage> CopyReferrerAsync(Repository repository, Reference reference, CopyTally tally, CancellationToken cancellationToken) =>
        CopyAsync(repository, reference, [], tally, checkTrust: false, cancellationToken);

    private async Task<CopiedImage> CopyAsync(
        Repository repository, Reference reference, IReadOnlyList<string> platforms, CopyTally tally, bool checkTrust, CancellationToken cancellationToken)
    {
        var (rootDigest, root) = await ManifestAsync(repository, reference, cancellationToken);
        if (checkTrust && trust.Covers(repository, reference))
        {
            await trust.CheckAsync(repository, reference, rootDigest, tally, cancellationToken);
        }

        tally.AddManifest();
        if (root.Manifests.Count > 0)
        {
            var children = new List<Digest>();
            foreach (var child in root.Manifests.Where(m => platforms.Count == 0 || PlatformFilter.Matches(m.Platform, platforms)))
            {
                var (_, manifest) = await ManifestAsync(repository, Reference.ForDigest(child.Digest), cancellationToken);
                tally.AddManifest();
                children.Add(child.Digest);
                await BlobsAsync(repository, manifest, tally, cancellationToken);
            }

            // Checked after the platforms that do match were fetched: a list meant for several images still
            // warms what it can, and the platform that matched nothing is named.
            var listed = root.Manifests.Select(m => m.Platform).OfType<Platform>().Where(p => p.Os != "unknown").ToList();
            ThrowIfAny(Unmatched(platforms, listed), listed.Count == 0
                ? "the index lists no platforms"
                : $"the index has {string.Join(", ", listed.Select(p => p.ToString()).Distinct())}");
            return new CopiedImage(rootDigest, children);
        }

        // A single-platform image says its platform in its config only.
        if (root.Config is { } config)
        {
            await BlobAsync(repository, config, tally, cancellationToken);
        }

        var platform = platforms.Count > 0 && root.Config is { } c ? await ConfigPlatformAsync(repository, c.Digest, cancellationToken) : null;
        var unmatched = platform is null ? [] : Unmatched(platforms, [platform]);
        var why = $"the image is single-platform {platform}";
        if (unmatched.Count == platforms.Count)
        {
            // None of them is this image's platform: fail before its layers, which are not wanted.
            ThrowIfAny(unmatched, why);
        }

        await LayersAsync(repository, root, tally, cancellationToken);
        ThrowIfAny(unmatched, why);
        return new CopiedImage(rootDigest, []);
    }

    private async Task BlobsAsync(Repository repository, ManifestDocument manifest, CopyTally tally, CancellationToken cancellationToken)
    {
        if (manifest.Config is { } config)
        {
            await BlobAsync(repository, config, tally, cancellationToken);
        }

        await LayersAsync(repository, manifest, tally, cancellationToken);
    }

    private async Task LayersAsync(Repository repository, ManifestDocument manifest, CopyTally tally, CancellationToken cancellationToken)
    {
        foreach (var layer in manifest.Layers.Where(l => !MediaTypes.IsNonDistributable(l.MediaType)))
        {
            await BlobAsync(repository, layer, tally, cancellationToken);
        }
    }

    /// <summary>The requested platforms that none of <paramref name="available"/> matches.</summary>
    private static List<string> Unmatched(IReadOnlyList<string> platforms, IReadOnlyList<Platform> available) =>
        platforms.Where(filter => !available.Any(p => PlatformFilter.Matches(p, [filter]))).ToList();

    /// <summary>A requested platform that matches nothing fails the image: it would not run there.</summary>
    private static void ThrowIfAny(List<string> unmatched, string why)
    {
        if (unmatched.Count > 0)
        {
            throw new FailureException(new CopyFailed($"no manifest for platform {string.Join(", ", unmatched)}: {why}"));
        }
    }

    private async Task<(Digest Digest, ManifestDocument Document)> ManifestAsync(Repository repository, Reference reference, CancellationToken cancellationToken)
    {
        var lookup = await reader.GetManifestAsync(repository, reference, headOnly: false, cancellationToken);
        if (lookup is ManifestLookup.Missing missing)
        {
            throw new FailureException(new CopyFailed(missing.Failure.Detail ?? "manifest unknown", missing.Failure));
        }

        var found = (ManifestLookup.Found)lookup;
        var bytes = found.Content ?? await ReadStoredAsync(found.Manifest.Digest, cancellationToken);
        return (found.Manifest.Digest, ManifestDocument.Parse(bytes, found.Manifest.MediaType));
    }

    /// <summary>Copies a blob a descriptor names; its fetch is bounded by the descriptor's size.</summary>
    private async Task BlobAsync(Repository repository, Descriptor descriptor, CopyTally tally, CancellationToken cancellationToken)
    {
        var digest = descriptor.Digest;
        var lookup = await reader.GetBlobAsync(repository, descriptor, cancellationToken);
        switch (lookup)
        {
            case BlobLookup.Stored:
                tally.AddPresent();
                return;
            case BlobLookup.Missing missing:
                throw new FailureException(new CopyFailed(missing.Failure.Detail ?? $"blob {digest} unknown", missing.Failure));
            case BlobLookup.Filling filling:
                using (filling.Blob as IDisposable)
                {
                    var outcome = await tally.FollowAsync(filling.Blob, cancellationToken);
                    if (!outcome.Stored)
                    {
                        throw new FailureException(new CopyFailed($"blob {digest} was not stored: {outcome.Failure}", outcome.Failure));
                    }
                }

                return;
        }
    }

    /// <summary>The platform an image config records, or null when it records none (or is no JSON image config).</summary>
    private async Task<Platform?> ConfigPlatformAsync(Repository repository, Digest config, CancellationToken cancellationToken)
    {
        if (await reader.GetBlobAsync(repository, config, headOnly: false, cancellationToken) is not BlobLookup.Stored)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(await ReadStoredAsync(config, cancellationToken));
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? Read(string key) => json.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return Read("os") is { } os && Read("architecture") is { } arch ? new Platform(os, arch, Read("variant")) : null;
        }
        catch (JsonException)
        {
            return null; // an artifact's config need not be JSON
        }
    }

    /// <summary>A stored manifest or config, whole (both are small).</summary>
    /// <exception cref="FileNotFoundException">It was removed from the store since it was looked up.</exception>
    private async Task<byte[]> ReadStoredAsync(Digest digest, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(digest, cancellationToken)
            ?? throw new FileNotFoundException($"blob {digest} was removed from the store since it was looked up");
        return await content.ReadAllAsync(cancellationToken);
    }
}

/// <summary>What a copy stored: the root manifest's digest and the digests of the child manifests it fetched.</summary>
public sealed record CopiedImage(Digest Digest, IReadOnlyList<Digest> Children);
