using OciCache.Oci;

namespace OciCache.Registry;

/// <summary>
/// Where a manifest comes from, and so what <see cref="ManifestWriter"/> checks before storing it. Size,
/// JSON shape, media type agreement and digest are checked for every origin alike.
/// </summary>
public sealed record ManifestOrigin
{
    private ManifestOrigin()
    {
    }

    /// <summary>
    /// A client's push to a local repository: every blob and child manifest it references must already be in
    /// the repository (MANIFEST_BLOB_UNKNOWN otherwise), the pushed Content-Type is held to the body, and
    /// its references are limited (<see cref="ManifestWriter.MaxReferences"/>).
    /// </summary>
    public static ManifestOrigin Push { get; } = new() { RequireReferencedContent = true, LimitsReferences = true, AcceptsSchema1 = false };

    /// <summary>
    /// An upstream's answer for a mirror repository. Referenced content is fetched when asked for, not
    /// before; a generic Content-Type some registries send (<c>text/plain</c>, <c>application/json</c>,
    /// <c>application/octet-stream</c>) yields to the body's <c>mediaType</c>; and the digest the upstream
    /// claims in <c>Docker-Content-Digest</c> must be the digest of the bytes.
    /// </summary>
    public static ManifestOrigin Upstream(Digest? claimedDigest) => new() { ClaimedDigest = claimedDigest, TrustsGenericContentType = false };

    public bool RequireReferencedContent { get; private init; }

    /// <summary>
    /// False for pushes: Docker schema1 (deprecated, refused on push by distribution by default) lists its
    /// layers as <c>fsLayers</c>, not descriptors, so the references a push must hold are not checked for it.
    /// An upstream's schema1 manifest is still cached, so old images stay pullable through a mirror.
    /// </summary>
    /// <remarks>https://distribution.github.io/distribution/spec/deprecated-schema-v1/</remarks>
    public bool AcceptsSchema1 { get; private init; } = true;

    /// <summary>
    /// True when <see cref="ManifestWriter.MaxReferences"/> applies. Not to an upstream's manifests: the cache
    /// must serve the images the upstream has, byte for byte, and cannot ask for a smaller one; the 4 MiB
    /// manifest limit bounds them anyway.
    /// </summary>
    public bool LimitsReferences { get; private init; }

    /// <summary>False when a generic Content-Type means "unknown", not a media type to hold the body to.</summary>
    public bool TrustsGenericContentType { get; private init; } = true;

    public Digest? ClaimedDigest { get; private init; }
}
