using System.Text.RegularExpressions;
using OciCache.Oci;

namespace OciCache.Trust;

/// <summary>
/// What counts as a signature, which is always served (clients verify with it): a cosign tag
/// <c>sha256-&lt;hex&gt;.sig|.att|.sbom</c> or the OCI referrers tag <c>sha256-&lt;hex&gt;</c> (an index of a digest's
/// referrers where the referrers API is missing), or a manifest whose layers are simple-signing payloads or Sigstore
/// bundles, or whose artifact type is cosign's signature type or the bundle type.
/// </summary>
public static partial class SignatureArtifacts
{
    public static bool IsSignatureType(string? artifactType) =>
        artifactType is CosignFormats.CosignArtifactType or CosignFormats.BundleMediaType;

    /// <summary>A reference that is a tag of another digest's signature, attestation, SBOM or referrers.</summary>
    public static bool IsSignatureReference(Reference reference) => reference.IsTag && SignatureTag().IsMatch(reference.Tag!);

    public static bool IsSignature(ManifestDocument document) =>
        IsSignatureType(document.ArtifactType) ||
        document.Layers.Any(l => l.MediaType is CosignFormats.SimpleSigningMediaType or CosignFormats.BundleMediaType);

    [GeneratedRegex(@"\Asha256-[0-9a-f]{64}(\.(sig|att|sbom))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex SignatureTag();
}
