using System.Text.Json;
using OciCache.Oci;

namespace OciCache.Trust;

/// <summary>
/// Finds the signatures of one manifest digest in an <see cref="ISignatureSource"/> and checks them against a
/// rule's keys: first the cosign tag <c>sha256-&lt;hex&gt;.sig</c>, then the OCI 1.1 referrers whose artifact
/// type is a signature's (or unknown). Each signature manifest's layers are read: a simple-signing payload
/// with the signature in its annotation, or a Sigstore bundle. The first one a key verifies decides.
/// </summary>
/// <remarks>
/// https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md,
/// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers
/// </remarks>
internal static class SignatureSearch
{
    /// <summary>A signature manifest larger than this is not read (the registry's own manifest bound).</summary>
    public const int MaxManifestBytes = ManifestDocument.MaxSize;

    /// <summary>A payload or bundle larger than this is not read (cosign's are a few hundred bytes).</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    /// <summary>At most this many signature manifests are read for one digest.</summary>
    public const int MaxCandidates = 16;

    public static async ValueTask<SearchResult> FindAsync(
        ISignatureSource source, Digest digest, IReadOnlyList<TrustKey> keys, CancellationToken cancellationToken)
    {
        var result = new SearchResult(TrustState.Unsigned, null, "no signature found", 0);
        var candidates = 0;
        var tag = Reference.ForTag($"{digest.Algorithm}-{digest.Encoded}.sig");
        if (await source.GetManifestAsync(tag, MaxManifestBytes, cancellationToken) is { } tagged)
        {
            candidates++;
            result = Merge(result, await CheckManifestAsync(source, tagged, digest, keys, cancellationToken));
            if (result.State == TrustState.Signed)
            {
                return result;
            }
        }

        foreach (var referrer in await ReferrersAsync(source, digest, cancellationToken))
        {
            if (candidates == MaxCandidates)
            {
                break;
            }

            if (referrer.ArtifactType is { } type && !SignatureArtifacts.IsSignatureType(type))
            {
                continue;
            }

            if (await source.GetManifestAsync(Reference.ForDigest(referrer.Digest), MaxManifestBytes, cancellationToken) is not { } bytes)
            {
                continue;
            }

            candidates++;
            result = Merge(result, await CheckManifestAsync(source, bytes, digest, keys, cancellationToken));
            if (result.State == TrustState.Signed)
            {
                return result;
            }
        }

        return result;
    }

    /// <summary>
    /// The referrers API's answer, then the index at the referrers tag <c>sha256-&lt;hex&gt;</c> (the OCI fallback a
    /// registry without the API, such as distribution 2.8, holds; cosign writes it there), without repeats.
    /// </summary>
    private static async ValueTask<IReadOnlyList<Descriptor>> ReferrersAsync(ISignatureSource source, Digest digest, CancellationToken cancellationToken)
    {
        var referrers = new List<Descriptor>(await source.GetReferrersAsync(digest, cancellationToken));
        var fallback = Reference.ForTag($"{digest.Algorithm}-{digest.Encoded}");
        if (await source.GetManifestAsync(fallback, MaxManifestBytes, cancellationToken) is not { } bytes)
        {
            return referrers;
        }

        try
        {
            var index = ManifestDocument.Parse(bytes, null);
            var known = referrers.Select(r => r.Digest).ToHashSet();
            referrers.AddRange(index.Manifests.Where(m => known.Add(m.Digest)));
        }
        catch (FailureException)
        {
            // Not an index: the tag holds nothing a check can use.
        }

        return referrers;
    }

    /// <summary>The signatures one manifest carries, checked in order; Unsigned when it carries none.</summary>
    private static async ValueTask<SearchResult> CheckManifestAsync(
        ISignatureSource source, ReadOnlyMemory<byte> bytes, Digest digest, IReadOnlyList<TrustKey> keys, CancellationToken cancellationToken)
    {
        ManifestDocument document;
        try
        {
            document = ManifestDocument.Parse(bytes, null);
        }
        catch (FailureException e)
        {
            return new SearchResult(TrustState.Invalid, null, $"a signature manifest is invalid: {e.Failure.Detail ?? e.Message}", 0);
        }

        var result = new SearchResult(TrustState.Unsigned, null, "no signature found", 0);
        foreach (var layer in document.Layers)
        {
            var isSimpleSigning = layer.MediaType == CosignFormats.SimpleSigningMediaType;
            if (!isSimpleSigning && layer.MediaType != CosignFormats.BundleMediaType)
            {
                continue;
            }

            if (layer.Size > MaxPayloadBytes || await source.GetBlobAsync(layer.Digest, MaxPayloadBytes, cancellationToken) is not { } payload)
            {
                result = Merge(result, new SearchResult(TrustState.Invalid, null, $"signature payload {layer.Digest} is missing or larger than {MaxPayloadBytes} bytes", 0));
                continue;
            }

            if (Digest.ComputeSha256(payload.Span) != layer.Digest && layer.Digest.Algorithm == Digest.Sha256)
            {
                result = Merge(result, new SearchResult(TrustState.Invalid, null, $"signature payload does not match its digest {layer.Digest}", 0));
                continue;
            }

            var check = isSimpleSigning
                ? CosignFormats.CheckSimpleSigning(payload.Span, SignatureOf(layer), digest, keys)
                : CosignFormats.CheckBundle(payload.Span, digest, keys);
            result = Merge(result, check.Verified
                ? new SearchResult(TrustState.Signed, check.KeyName, null, check.Verifications)
                : new SearchResult(TrustState.Invalid, null, check.Reason ?? "the signature does not verify", check.Verifications));
            if (result.State == TrustState.Signed)
            {
                return result;
            }
        }

        return result;
    }

    /// <summary>Signed wins, then Invalid (the first reason stays), then Unsigned; verifications add up.</summary>
    private static SearchResult Merge(SearchResult so, SearchResult next)
    {
        var verifications = so.Verifications + next.Verifications;
        if (next.State == TrustState.Signed || (next.State == TrustState.Invalid && so.State == TrustState.Unsigned))
        {
            return next with { Verifications = verifications };
        }

        return so with { Verifications = verifications };
    }

    private static string? SignatureOf(Descriptor layer)
    {
        if (layer.AnnotationsJson is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(layer.AnnotationsJson);
        return json.RootElement.TryGetProperty(CosignFormats.SignatureAnnotation, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }
}

/// <summary>What a search found: a state, the key that verified, why not, and how many verifications it cost.</summary>
internal readonly record struct SearchResult(TrustState State, string? KeyName, string? Reason, int Verifications);
