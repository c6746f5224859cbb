using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Trust;

namespace OciCache.Transfer;

/// <summary>
/// Writes images from the store, and nothing but the store (no upstream is asked), as an OCI image layout:
/// each image's root manifest, the child manifests of an index (only the listed platforms', with
/// <see cref="ExportRequest.Platforms"/>; the index keeps its bytes, so its digest does not change), their
/// configs and layers, and with <see cref="ExportRequest.Referrers"/> the referrers the store holds for each
/// (and cosign's <c>sha256-&lt;hex&gt;.sig|.att|.sbom</c> tags of each, so signatures travel in either form).
/// The whole plan is made, and every image found, before the first byte is written.
/// An image in a repository a <c>Trust:Policies</c> rule covers (enforce or warn) must be signed by a key of
/// the rule, signatures read from the store alone; an unsigned or invalid one refuses the export unless
/// <see cref="ExportRequest.AllowUnsigned"/>, so a site that admits only signed images is not handed others.
/// </summary>
public sealed class Exporter(IManifestIndex index, IBlobStore store, RepositoryRouter router, ITrustPolicy trust)
{
    private static readonly string[] SignatureTagSuffixes = [".sig", ".att", ".sbom"];

    /// <exception cref="TransferException">
    /// An image or blob is not in the store, an image is not signed as a trust rule requires, or the target
    /// exists; nothing is left behind.
    /// </exception>
    public async Task<ExportResult> ExportAsync(ExportRequest request, TransferProgress progress, CancellationToken cancellationToken)
    {
        var plan = new ExportPlan();
        foreach (var image in request.Images)
        {
            if (!TransferReference.TryParse(image, router, out var reference, out var error))
            {
                throw new TransferException(error);
            }

            var digest = reference.Reference.IsTag
                ? (await index.GetTagAsync(reference.Repository, reference.Reference.Tag, cancellationToken))?.Digest
                : reference.Reference.Digest;
            var record = digest is { } d ? await index.GetManifestAsync(reference.Repository, d, cancellationToken) : null;
            if (record is null)
            {
                throw new TransferException($"{reference.FullName} is not in the store");
            }

            await CheckSignedAsync(reference, record.Digest, request.AllowUnsigned, plan, cancellationToken);

            await AddManifestAsync(reference, record, request.Platforms, request.Referrers, plan, cancellationToken);
            plan.Entries.Add(new LayoutEntry(reference.FullName, record.MediaType, record.Digest, plan.SizeOf(record.Digest), reference.Repository.Upstream));
        }

        progress.SetTotals(plan.Bytes, plan.Blobs.Count);
        await using var target = LayoutTarget.Create(request.Target);
        await target.AddAsync(OciLayout.LayoutFile, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(OciLayout.LayoutContent)), cancellationToken);
        foreach (var (digest, size) in plan.Blobs)
        {
            await using var content = await OpenAsync(digest, size, cancellationToken);
            await target.AddAsync(OciLayout.BlobPath(digest), new CountingStream(content.Stream, progress), cancellationToken);
            progress.BlobDone();
        }

        await target.AddAsync(OciLayout.IndexFile, new MemoryStream(OciLayout.WriteIndex(plan.Entries)), cancellationToken);
        await target.CompleteAsync(cancellationToken);
        return new ExportResult(request.Images.Count, plan.Entries.Count - request.Images.Count, plan.Blobs.Count, plan.Bytes) { Notes = plan.Notes };
    }

    private async Task AddManifestAsync(
        TransferReference image, ManifestRecord record, IReadOnlyList<string> platforms, bool referrers, ExportPlan plan, CancellationToken cancellationToken)
    {
        var repository = image.Repository;
        if (!plan.Add(record.Digest, await StoredLengthAsync(image, record.Digest, "manifest", cancellationToken)))
        {
            return; // shared with an image already planned
        }

        var document = ManifestDocument.Parse(await ManifestBytes.ReadAsync(store, record.Digest, cancellationToken), record.MediaType);
        foreach (var blob in document.RequiredBlobs)
        {
            plan.Add(blob.Digest, await StoredLengthAsync(image, blob.Digest, "blob", cancellationToken));
        }

        if (platforms.FirstOrDefault(p => document.Manifests.Count > 0 && !document.Manifests.Any(m => PlatformFilter.Matches(m.Platform, [p]))) is { } unmatched)
        {
            throw new TransferException($"{image.FullName}: the index has no manifest for platform {unmatched}");
        }

        foreach (var child in document.Manifests.Where(m => platforms.Count == 0 || PlatformFilter.Matches(m.Platform, platforms)))
        {
            if (await index.GetManifestAsync(repository, child.Digest, cancellationToken) is not { } childRecord)
            {
                if (platforms.Count > 0)
                {
                    throw new TransferException($"{image.FullName}: the manifest for {child.Platform} ({child.Digest}) is not in the store");
                }

                plan.Notes.Add($"{image.FullName}: the manifest for {child.Platform?.ToString() ?? "an entry"} ({child.Digest}) is not in the store; left out");
                continue;
            }

            await AddManifestAsync(image, childRecord, platforms, referrers, plan, cancellationToken);
        }

        if (referrers)
        {
            await AddReferrersAsync(image, record.Digest, plan, cancellationToken);
        }
    }

    /// <summary>
    /// Refuses an image a covering trust rule finds unsigned or invalid (a signature tag is never checked);
    /// with <paramref name="allowUnsigned"/> it is exported, and the plan's notes say so.
    /// </summary>
    private async Task CheckSignedAsync(TransferReference image, Digest digest, bool allowUnsigned, ExportPlan plan, CancellationToken cancellationToken)
    {
        if (SignatureArtifacts.IsSignatureReference(image.Reference) || !trust.Covers(image.Repository))
        {
            return;
        }

        var verdict = await trust.EvaluateAsync(image.Repository, digest, TransferSignatures.Store(index, store, image.Repository), cancellationToken);
        if (verdict.State is not (TrustState.Unsigned or TrustState.Invalid) || verdict.Mode == TrustMode.Off)
        {
            return;
        }

        var why = verdict.Describe($"{image.FullName} ({digest})");
        if (!allowUnsigned)
        {
            throw new TransferException($"{why}; export refused (--allow-unsigned exports it anyway)");
        }

        plan.Notes.Add($"{why}; exported, --allow-unsigned");
    }

    private async Task AddReferrersAsync(TransferReference image, Digest subject, ExportPlan plan, CancellationToken cancellationToken)
    {
        var found = new List<ManifestRecord>();
        await foreach (var referrer in index.ListReferrersAsync(image.Repository, subject, null, null, cancellationToken))
        {
            found.Add(referrer); // all of them before any is planned: planning one reads the index again
        }

        foreach (var referrer in found.Where(r => !plan.Contains(r.Digest)))
        {
            var named = image with { Reference = Reference.ForDigest(referrer.Digest) };
            await AddManifestAsync(named, referrer, [], referrers: true, plan, cancellationToken);
            plan.Entries.Add(new LayoutEntry(named.FullName, referrer.MediaType, referrer.Digest, plan.SizeOf(referrer.Digest), named.Repository.Upstream));
        }

        // cosign without the referrers API keeps its signature, attestations and SBOM under tags named
        // after the subject; each is exported under its tag, so an import finds the signature where cosign
        // (and a trust rule) looks for it.
        foreach (var suffix in SignatureTagSuffixes)
        {
            var tag = $"{subject.Algorithm}-{subject.Encoded}{suffix}";
            if (await index.GetTagAsync(image.Repository, tag, cancellationToken) is not { } tagged ||
                await index.GetManifestAsync(image.Repository, tagged.Digest, cancellationToken) is not { } record)
            {
                continue;
            }

            var named = image with { Reference = Reference.ForTag(tag) };
            await AddManifestAsync(named, record, [], referrers: true, plan, cancellationToken);
            plan.Entries.Add(new LayoutEntry(named.FullName, record.MediaType, record.Digest, plan.SizeOf(record.Digest), named.Repository.Upstream));
        }
    }

    private async Task<long> StoredLengthAsync(TransferReference image, Digest digest, string what, CancellationToken cancellationToken) =>
        await store.GetLengthAsync(digest, cancellationToken)
        ?? throw new TransferException($"{image.FullName}: {what} {digest} is not in the store");

    /// <summary>Opened as a reader opens a committed blob: eviction may remove it meanwhile, which fails the export.</summary>
    private async Task<BlobContent> OpenAsync(Digest digest, long size, CancellationToken cancellationToken)
    {
        var content = await store.OpenReadAsync(digest, cancellationToken)
            ?? throw new TransferException($"blob {digest} was removed from the store while exported (evicted?); export again");
        if (content.Length != size)
        {
            await content.DisposeAsync();
            throw new TransferException($"blob {digest} changed while exported; run `ocicache verify`");
        }

        return content;
    }
}

public sealed record ExportRequest(IReadOnlyList<string> Images, string Target)
{
    /// <summary><c>os/arch[/variant]</c> filters for the children of an index; empty: all the store holds.</summary>
    public IReadOnlyList<string> Platforms { get; init; } = [];

    public bool Referrers { get; init; }

    /// <summary>Export images a trust rule finds unsigned or invalid too (each named in the notes).</summary>
    public bool AllowUnsigned { get; init; }
}

public sealed record ExportResult(int Images, int Referrers, int Blobs, long Bytes)
{
    /// <summary>What was left out and why (a child manifest of an index the store does not hold).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
