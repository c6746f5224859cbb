using System.Text;

namespace OciCache.Benchmarks.Images;

/// <summary>A blob of a generated image, stored under <c>images/blobs/&lt;hex&gt;</c>.</summary>
internal sealed record BlobRef(string Digest, string MediaType, long Size)
{
    public string Hex => Digest["sha256:".Length..];

    public string DescriptorJson(string? extra = null) =>
        $$"""{"mediaType":"{{MediaType}}","digest":"{{Digest}}","size":{{Size}}{{(extra is null ? "" : "," + extra)}}}""";
}

/// <summary>
/// An image as generated on disk: what the seeder pushes and what the scenarios pull and count.
/// </summary>
/// <param name="Root">The manifest (or index) pushed under <see cref="Tag"/>.</param>
/// <param name="Manifests">An index's platform manifests, pushed by digest; empty for a single manifest.</param>
/// <param name="Blobs">Configs and layers of every platform.</param>
/// <param name="HostBlobs">Config and layers of the host platform (amd64): what a pull fetches.</param>
/// <param name="PullBytes">What one client pulls for the host platform (amd64): root, its manifest, config and layers.</param>
internal sealed record GeneratedImage(
    string Name,
    string Title,
    string Repository,
    string Tag,
    BlobRef Root,
    IReadOnlyList<BlobRef> Manifests,
    IReadOnlyList<BlobRef> Blobs,
    IReadOnlyList<BlobRef> HostBlobs,
    long PullBytes,
    BlobRef LargestLayer)
{
    /// <summary><c>docker.io/library/NAME:TAG</c>: the reference containerd pulls (mirrored by hosts.toml).</summary>
    public string Reference => $"docker.io/{Repository}:{Tag}";

    public static BlobRef WriteJsonBlob(string blobDirectory, string mediaType, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        File.WriteAllBytes(Path.Combine(blobDirectory, digest[7..]), bytes);
        return new BlobRef(digest, mediaType, bytes.Length);
    }
}
