using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OciCache.Benchmarks.Images;

/// <summary>
/// Generates the images of <see cref="ImageSpec"/>s once into <c>work/images/</c> (blobs by hex and one
/// catalog file per spec) and reuses them while the spec and the files are unchanged: 1 GiB of layer
/// costs about ten seconds to write once and nothing afterwards.
/// </summary>
internal static class ImageGenerator
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";
    private const string OciConfig = "application/vnd.oci.image.config.v1+json";

    public static string BlobDirectory(string imagesDirectory) => Path.Combine(imagesDirectory, "blobs");

    public static GeneratedImage Ensure(ImageSpec spec, string imagesDirectory, Action<string> log)
    {
        var blobs = BlobDirectory(imagesDirectory);
        Directory.CreateDirectory(blobs);
        var catalog = Path.Combine(imagesDirectory, spec.Key + ".json");
        if (File.Exists(catalog))
        {
            var cached = JsonSerializer.Deserialize<GeneratedImage>(File.ReadAllText(catalog))!;
            var all = cached.Blobs.Concat(cached.Manifests).Append(cached.Root);
            if (cached.HostBlobs is not null && all.All(b => new FileInfo(Path.Combine(blobs, b.Hex)) is { Exists: true } f && f.Length == b.Size))
            {
                return cached;
            }
        }

        var clock = Stopwatch.StartNew();
        var image = Generate(spec, blobs);
        File.WriteAllText(catalog, JsonSerializer.Serialize(image));
        log($"generated {spec.Name} ({Format.Bytes(image.PullBytes)}) in {clock.Elapsed.TotalSeconds:F1} s");
        return image;
    }

    private static GeneratedImage Generate(ImageSpec spec, string blobs)
    {
        var manifests = new List<(BlobRef Manifest, string Architecture, List<BlobRef> Blobs)>();
        foreach (var platform in spec.Platforms)
        {
            var layers = new List<BlobRef>();
            var diffIds = new List<string>();
            for (var i = 0; i < platform.LayerMiB.Count; i++)
            {
                var (layer, diffId) = LayerWriter.Write(blobs, platform.LayerMiB[i] * ImageSpec.MiB,
                    Seed($"{spec.Name}/{platform.Architecture}/{i}"), $"opt/{spec.Name}/layer{i}.bin");
                layers.Add(layer);
                diffIds.Add(diffId);
            }

            var config = GeneratedImage.WriteJsonBlob(blobs, OciConfig,
                $$$"""{"architecture":"{{{platform.Architecture}}}","os":"linux","config":{"Env":["PATH=/usr/bin:/bin"],"Labels":{"bench":"{{{spec.Name}}}"}},"rootfs":{"type":"layers","diff_ids":[{{{string.Join(",", diffIds.Select(d => $"\"{d}\""))}}}]}}""");
            var manifest = GeneratedImage.WriteJsonBlob(blobs, OciManifest,
                $$"""{"schemaVersion":2,"mediaType":"{{OciManifest}}","config":{{config.DescriptorJson()}},"layers":[{{string.Join(",", layers.Select(l => l.DescriptorJson()))}}]}""");
            manifests.Add((manifest, platform.Architecture, [config, .. layers]));
        }

        var host = manifests[0];
        var allBlobs = manifests.SelectMany(m => m.Blobs).ToList();
        var largest = host.Blobs.Skip(1).MaxBy(b => b.Size)!;
        var hostBytes = host.Manifest.Size + host.Blobs.Sum(b => b.Size);
        if (!spec.IsIndex)
        {
            return new GeneratedImage(spec.Name, spec.Title, spec.Repository, spec.Tag, host.Manifest, [], allBlobs, host.Blobs, hostBytes, largest);
        }

        var entries = manifests.Select(m => m.Manifest.DescriptorJson($$"""
            "platform":{"architecture":"{{m.Architecture}}","os":"linux"}
            """.Trim()));
        var index = GeneratedImage.WriteJsonBlob(blobs, OciIndex,
            $$"""{"schemaVersion":2,"mediaType":"{{OciIndex}}","manifests":[{{string.Join(",", entries)}}]}""");
        return new GeneratedImage(spec.Name, spec.Title, spec.Repository, spec.Tag, index,
            manifests.Select(m => m.Manifest).ToList(), allBlobs, host.Blobs, index.Size + hostBytes, largest);
    }

    private static ulong Seed(string text) => BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
