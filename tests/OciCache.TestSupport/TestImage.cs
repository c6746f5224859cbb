using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using OciCache.Oci;

namespace OciCache.Testing;

public enum ImageFormat
{
    Oci,
    Docker,
}

/// <summary>
/// A generated single-platform image: real gzip-compressed tar layers (so containerd can unpack them),
/// a config with matching diff_ids, and a manifest. Deterministic for a given seed.
/// </summary>
public sealed class TestImage
{
    private TestImage(TestBlob config, IReadOnlyList<TestBlob> layers, TestBlob manifest, string os, string architecture)
    {
        Config = config;
        Layers = layers;
        Manifest = manifest;
        Os = os;
        Architecture = architecture;
    }

    public TestBlob Config { get; }

    public IReadOnlyList<TestBlob> Layers { get; }

    public TestBlob Manifest { get; }

    public string Os { get; }

    public string Architecture { get; }

    public Digest Digest => Manifest.Digest;

    public IEnumerable<TestBlob> Blobs => Layers.Prepend(Config);

    /// <summary>The architecture this machine's containerd pulls by default.</summary>
    public static string HostArchitecture => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        _ => "amd64",
    };

    public static TestImage Create(
        ImageFormat format = ImageFormat.Oci, int layers = 3, int layerBytes = 64 * 1024, int seed = 1,
        string os = "linux", string? architecture = null) =>
        Compose(Enumerable.Range(0, layers).Select(i => Layer(seed * 1000 + i, layerBytes, format)).ToList(), format, seed, os, architecture);

    /// <summary>An image of the given layers (which other images may share), with a config seeded by <paramref name="seed"/>.</summary>
    public static TestImage Compose(
        IReadOnlyList<TestLayer> layers, ImageFormat format = ImageFormat.Oci, int seed = 1, string os = "linux", string? architecture = null)
    {
        architecture ??= HostArchitecture;
        var diffIdList = string.Join(",", layers.Select(l => $"\"{l.DiffId}\""));
        var configJson =
            $$$"""{"architecture":"{{{architecture}}}","os":"{{{os}}}","config":{"Env":["PATH=/bin"],"Labels":{"seed":"{{{seed}}}"}},"rootfs":{"type":"layers","diff_ids":[{{{diffIdList}}}]}}""";
        var config = TestBlob.Json(
            format == ImageFormat.Oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json",
            configJson);
        var manifestType = format == ImageFormat.Oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest;
        var manifestJson = $$"""
            {"schemaVersion":2,"mediaType":"{{manifestType}}","config":{{config.DescriptorJson()}},"layers":[{{string.Join(",", layers.Select(l => l.Blob.DescriptorJson()))}}]}
            """;
        return new TestImage(config, layers.Select(l => l.Blob).ToList(), TestBlob.Json(manifestType, manifestJson), os, architecture);
    }

    /// <summary>A gzip-compressed tar layer with one file of seeded random bytes.</summary>
    public static TestLayer Layer(int seed, int size, ImageFormat format = ImageFormat.Oci)
    {
        var (compressed, diffId) = Layer(seed, size, $"layer{seed}.bin");
        var type = format == ImageFormat.Oci ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip";
        return new TestLayer(new TestBlob(type, compressed), diffId);
    }

    /// <summary>An index (OCI) or manifest list (Docker) over images, with their platforms.</summary>
    public static TestBlob Index(ImageFormat format, params TestImage[] images)
    {
        var type = format == ImageFormat.Oci ? MediaTypes.OciIndex : MediaTypes.DockerManifestList;
        var entries = images.Select(i => i.Manifest.DescriptorJson($$"""
            "platform":{"architecture":"{{i.Architecture}}","os":"{{i.Os}}"}
            """.Trim()));
        return TestBlob.Json(type, $$"""{"schemaVersion":2,"mediaType":"{{type}}","manifests":[{{string.Join(",", entries)}}]}""");
    }

    /// <summary>A tar.gz with one file of seeded random bytes; returns the compressed bytes and the diff_id.</summary>
    private static (byte[] Compressed, string DiffId) Layer(int seed, int size, string fileName)
    {
        var content = new byte[size];
        new Random(seed).NextBytes(content);
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, fileName)
            {
                DataStream = new MemoryStream(content),
                ModificationTime = DateTimeOffset.UnixEpoch,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            writer.WriteEntry(entry);
        }

        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar.ToArray()));
        using var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            tar.Position = 0;
            tar.CopyTo(gzip);
        }

        return (gz.ToArray(), diffId);
    }

    /// <summary>Writes an OCI image layout (for skopeo's <c>oci:</c> and ctr import) holding this image or index.</summary>
    public static void WriteOciLayout(string directory, string tag, TestBlob root, IEnumerable<TestBlob> blobs)
    {
        var blobDir = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobDir);
        foreach (var blob in blobs.Append(root))
        {
            File.WriteAllBytes(Path.Combine(blobDir, blob.Hex), blob.Bytes);
        }

        File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var entry = root.DescriptorJson($$"""
            "annotations":{"org.opencontainers.image.ref.name":"{{tag}}"}
            """.Trim());
        File.WriteAllText(Path.Combine(directory, "index.json"),
            $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{entry}}]}""");
    }

    /// <summary>
    /// Writes skopeo's <c>dir:</c> format, which (unlike <c>oci:</c>) carries Docker media types: the root
    /// manifest as <c>manifest.json</c>, instances of a list as <c>&lt;hex&gt;.manifest.json</c>, blobs by hex.
    /// </summary>
    public static void WriteDirLayout(string directory, TestBlob root, IEnumerable<TestBlob> instances, IEnumerable<TestBlob> blobs)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "version"), "Directory Transport Version: 1.1\n");
        File.WriteAllBytes(Path.Combine(directory, "manifest.json"), root.Bytes);
        foreach (var instance in instances)
        {
            File.WriteAllBytes(Path.Combine(directory, instance.Hex + ".manifest.json"), instance.Bytes);
        }

        foreach (var blob in blobs)
        {
            File.WriteAllBytes(Path.Combine(directory, blob.Hex), blob.Bytes);
        }
    }
}

/// <summary>A compressed layer and the digest of its uncompressed tar (the config's diff_id).</summary>
public sealed record TestLayer(TestBlob Blob, string DiffId);
