using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace OciCache.Oci;

public static partial class MediaTypes
{
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciEmpty = "application/vnd.oci.empty.v1+json";

    /// <summary>What the cache asks upstreams for: every manifest kind it can store, best first.</summary>
    public static readonly string[] ManifestAccept =
    [
        OciIndex, OciManifest, DockerManifestList, DockerManifest, DockerSchema1Signed, DockerSchema1,
    ];

    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsImageManifest(string mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsSchema1(string mediaType) => mediaType is DockerSchema1 or DockerSchema1Signed;

    /// <summary>Layers a registry is not expected to hold (their bytes live at the descriptor's <c>urls</c>).</summary>
    public static bool IsNonDistributable(string mediaType) =>
        mediaType.StartsWith("application/vnd.oci.image.layer.nondistributable.", StringComparison.Ordinal) ||
        mediaType.StartsWith("application/vnd.docker.image.rootfs.foreign.", StringComparison.Ordinal);

    /// <summary>Strips parameters and whitespace from a Content-Type value.</summary>
    public static string Normalize(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return "";
        }

        var semicolon = contentType.IndexOf(';');
        return (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim().ToLowerInvariant();
    }

    /// <summary>A bare <c>type/subtype</c> by RFC 6838's restricted-name grammar (as in an <c>artifactType</c> filter).</summary>
    /// <remarks>https://www.rfc-editor.org/rfc/rfc6838#section-4.2</remarks>
    public static bool IsValid([NotNullWhen(true)] string? mediaType) =>
        !string.IsNullOrEmpty(mediaType) && MediaTypePattern().IsMatch(mediaType);

    // \z, not $: .NET's $ also matches before a final newline.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\z", RegexOptions.CultureInvariant)]
    private static partial Regex MediaTypePattern();
}
