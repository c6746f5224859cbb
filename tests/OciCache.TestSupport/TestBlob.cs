using System.Security.Cryptography;
using System.Text;
using OciCache.Oci;

namespace OciCache.Testing;

/// <summary>A small blob held in memory (configs, layers of test images, manifests).</summary>
public sealed record TestBlob(string MediaType, byte[] Bytes)
{
    public Digest Digest { get; } = Digest.ComputeSha256(Bytes);

    public long Size => Bytes.Length;

    public static TestBlob Json(string mediaType, string json) => new(mediaType, Encoding.UTF8.GetBytes(json));

    public static TestBlob Random(int size, int seed, string mediaType = "application/octet-stream")
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return new TestBlob(mediaType, bytes);
    }

    /// <summary>A descriptor as JSON, for embedding into manifests.</summary>
    public string DescriptorJson(string? extra = null) =>
        $$"""{"mediaType":"{{MediaType}}","digest":"{{Digest}}","size":{{Size}}{{(extra is null ? "" : "," + extra)}}}""";

    public string Hex => Digest.Encoded;

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
