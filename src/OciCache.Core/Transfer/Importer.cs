using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Trust;

namespace OciCache.Transfer;

/// <summary>
/// Loads an OCI image layout (folder or tar) into the store, in three steps:
/// <code>
///  1 stage    every blob streamed, hashed, published only when it matches its name (BundleStager)
///  2 plan     index.json's entries routed by their full reference; every manifest they reach parsed,
///             every blob it needs present in the bundle with the size its descriptor gives
///  3 record   blob links, then manifests (children before parents, referrers after their subjects)
///             through ManifestWriter, as a pull or a push would store them
/// </code>
/// Nothing is recorded before step 2 passed for the whole bundle (the plan applies every limit the writer
/// applies), so a truncated, corrupt or oversized bundle adds no manifest, tag or link; and the blob files
/// a refused import published are removed again, so it leaves nothing behind. What the store holds already
/// is left as it is, so importing a bundle twice changes nothing the second time.
/// A mirror repository's content is recorded as its upstream's, so nodes pull it by its usual name offline.
/// An image bound for a repository a <c>Trust:Policies</c> rule covers is checked in step 2 against the
/// signatures the bundle carries (its cosign <c>.sig</c> tag entries and referrers; nothing else is asked):
/// an enforcing rule's refusal leaves that image out of the plan and names it in
/// <see cref="ImportResult.Refused"/>; a warning rule's failure is imported and named in
/// <see cref="ImportResult.Unsigned"/>. Signatures and other referrers are never checked.
/// </summary>
public sealed class Importer(
    IBlobIndex blobs, IManifestIndex manifests, IBlobStore store, RepositoryRouter router, ManifestWriter writer, ContentPublisher publisher, ITrustPolicy trust)
{
    /// <param name="asLocal">
    /// Let an image another site cached from its upstream become a local repository here, when no upstream
    /// here takes its name; without it such an image is refused.
    /// </param>
    /// <param name="allowUnsigned">Import images an enforcing trust rule refuses too (named in <see cref="ImportResult.Unsigned"/>).</param>
    /// <exception cref="TransferException">The bundle is incomplete, corrupt or names an unknown place; nothing was recorded.</exception>
    public async Task<ImportResult> ImportAsync(string path, TransferProgress progress, CancellationToken cancellationToken, bool asLocal = false, bool allowUnsigned = false)
    {
        var staged = new BundleStager(store, progress);
        try
        {
            return await ImportAsync(path, progress, staged, asLocal, allowUnsigned, cancellationToken);
        }
        catch
        {
            await RemoveUnrecordedAsync(staged.Published);
            throw;
        }
    }

    private async Task<ImportResult> ImportAsync(string path, TransferProgress progress, BundleStager staged, bool asLocal, bool allowUnsigned, CancellationToken cancellationToken)
    {
        await staged.StageAsync(LayoutSource.Open(path, progress), cancellationToken);
        if (staged.LayoutFile is null || staged.Index is null)
        {
            throw new TransferException($"{path} has no {(staged.LayoutFile is null ? OciLayout.LayoutFile : OciLayout.IndexFile)}: it is truncated, or no OCI image layout");
        }

        var plan = new ImportPlan(staged.Blobs);
        var entries = OciLayout.ReadIndex(staged.Index);
        var routed = new List<(LayoutEntry Entry, TransferReference Reference)>(entries.Count);
        foreach (var entry in entries)
        {
            if (!TransferReference.TryParse(entry.Name, router, out var reference, out var error, asLocal, ImportHint))
            {
                throw new TransferException($"{OciLayout.IndexFile}: {error}");
            }

            if (entry.Upstream is { } exportedFrom && reference.Repository.Upstream is null && !asLocal)
            {
                throw new TransferException($"{OciLayout.IndexFile}: {entry.Name} was cached from upstream {exportedFrom} where it was exported, " +
                                            $"and no upstream here takes that name; {ImportHint}");
            }

            if (!reference.Reference.IsTag && reference.Reference.Digest != entry.Digest)
            {
                throw new TransferException($"{OciLayout.IndexFile}: {entry.Name} names another digest than its entry's {entry.Digest}");
            }

            routed.Add((entry, reference));
        }

        var result = new ImportResult { Images = entries.Count, BlobsVerified = staged.Blobs.Count, Bytes = staged.Blobs.Values.Sum() };
        var signatures = new BundleTrust(trust, store, staged.Blobs, routed);
        foreach (var (entry, reference) in routed)
        {
            if (await signatures.CheckAsync(entry, reference, cancellationToken) is { } unsigned)
            {
                if (unsigned.Refused && !allowUnsigned)
                {
                    result.Refused.Add(unsigned.Text);
                    continue;
                }

                result.Unsigned.Add(unsigned.Text);
            }

            await PlanManifestAsync(reference, entry.Digest, entry.MediaType, entry.Size, reference.Reference.Tag, plan, root: true, cancellationToken);
        }

        foreach (var step in plan.Steps)
        {
            await RecordAsync(step, result, cancellationToken);
        }

        if (result.Refused.Count > 0)
        {
            await RemoveUnrecordedAsync(staged.Published); // the refused images' own blobs, which nothing links
        }

        return result;
    }

    private const string ImportHint =
        "give the configuration that defines its upstream (Upstreams:<name>:Url and Aliases) with --config FILE, or import it as a local repository with --as-local";

    private async Task PlanManifestAsync(
        TransferReference image, Digest digest, string mediaType, long size, string? tag, ImportPlan plan, bool root, CancellationToken cancellationToken)
    {
        if (!plan.FirstVisit(image.Repository, digest))
        {
            // Planned already (a child listed twice, or a second entry for the same image): only a tag is new.
            if (tag is not null)
            {
                plan.Add([new ImportStep.Manifest(image.Repository, digest, mediaType, tag)], late: true);
            }

            return;
        }

        plan.Require(digest, size, $"manifest of {image.FullName}");
        ManifestDocument document;
        try
        {
            var content = await ManifestBytes.ReadAsync(store, digest, cancellationToken);
            plan.Read(content.Length);
            document = ManifestDocument.Parse(content, mediaType);
            ManifestWriter.CheckLimits(document, OriginOf(image.Repository, digest));
        }
        catch (FailureException e)
        {
            throw new TransferException($"manifest {digest} of {image.FullName} is invalid: {e.Failure.Detail ?? e.Failure.Message}");
        }

        var steps = new List<ImportStep>();
        foreach (var blob in document.RequiredBlobs)
        {
            plan.Require(blob.Digest, blob.Size, $"blob of {image.FullName}");
            steps.Add(new ImportStep.Link(image.Repository, blob.Digest, blob.Size));
        }

        foreach (var child in document.Manifests)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (plan.Has(child.Digest))
            {
                await PlanManifestAsync(image, child.Digest, child.MediaType, child.Size, null, plan, root: false, cancellationToken);
            }
            else if (!image.Repository.IsMirror && await manifests.GetManifestAsync(image.Repository, child.Digest, cancellationToken) is null)
            {
                // A local repository holds whole images only: a push of this index would be refused too.
                throw new TransferException($"{image.FullName}: the bundle lacks {child.Platform?.ToString() ?? "the child"} {child.Digest}, which local repository {image.Repository} needs; export it without --platform");
            }
        }

        steps.Add(new ImportStep.Manifest(image.Repository, digest, mediaType, tag));
        plan.Add(steps, late: root && document.Subject is not null);
    }

    /// <summary>
    /// After a refusal: deletes the blob files this import published that no row names, so a refused import
    /// leaves nothing behind. A blob a push or pull stored meanwhile has its row by then, and stays.
    /// </summary>
    private async Task RemoveUnrecordedAsync(IEnumerable<Digest> published)
    {
        foreach (var digest in published)
        {
            if (await blobs.GetBlobAsync(digest) is null)
            {
                store.Delete(digest);
            }
        }
    }

    private static ManifestOrigin OriginOf(Repository repository, Digest digest) =>
        repository.IsMirror ? ManifestOrigin.Upstream(digest) : ManifestOrigin.Push;

    private async Task RecordAsync(ImportStep step, ImportResult result, CancellationToken cancellationToken)
    {
        var repository = step.Repository;
        switch (step)
        {
            case ImportStep.Link link:
                if (await blobs.GetLinkedBlobSizeAsync(repository, link.Digest, cancellationToken) is null)
                {
                    await publisher.RecordCommittedAsync(repository, link.Digest, link.Size);
                    result.BlobsLinked++;
                }

                break;
            case ImportStep.Manifest manifest:
                if (await IsRecordedAsync(repository, manifest, cancellationToken))
                {
                    result.ManifestsPresent++;
                    break;
                }

                var reference = manifest.Tag is { } t ? Reference.ForTag(t) : Reference.ForDigest(manifest.Digest);
                await using (var content = await store.OpenReadAsync(manifest.Digest, cancellationToken)
                                           ?? throw new TransferException($"manifest {manifest.Digest} was removed from the store while imported; import again"))
                {
                    await writer.WriteAsync(repository, reference, content.Stream, manifest.MediaType, OriginOf(repository, manifest.Digest), cancellationToken);
                }

                result.ManifestsStored++;
                break;
        }
    }

    /// <summary>The manifest is there, and so is its tag pointing at it (when it has one).</summary>
    private async Task<bool> IsRecordedAsync(Repository repository, ImportStep.Manifest manifest, CancellationToken cancellationToken) =>
        await manifests.GetManifestAsync(repository, manifest.Digest, cancellationToken) is not null &&
        (manifest.Tag is not { } tag || (await manifests.GetTagAsync(repository, tag, cancellationToken))?.Digest == manifest.Digest);
}

public sealed class ImportResult
{
    /// <summary>Entries of index.json: images and referrers.</summary>
    public int Images { get; init; }

    public int BlobsVerified { get; init; }

    public long Bytes { get; init; }

    public int ManifestsStored { get; set; }

    public int ManifestsPresent { get; set; }

    public int BlobsLinked { get; set; }

    /// <summary>Images an enforcing trust rule refused, each with the rule and the reason: not imported.</summary>
    public List<string> Refused { get; } = [];

    /// <summary>Images a trust rule found unsigned or invalid that were imported (a warning rule, or <c>--allow-unsigned</c>).</summary>
    public List<string> Unsigned { get; } = [];
}
