using System.Buffers;
using System.Text.Json;
using OciCache.Oci;

namespace OciCache.Transfer;

/// <summary>
/// The OCI image layout an export writes and an import reads, as a folder or a tar of the same files:
/// <code>
///  oci-layout                 {"imageLayoutVersion":"1.0.0"}
///  index.json                 an OCI index: one entry per exported image (its root manifest) and per
///                             referrer, each named by its full reference in the two annotations below
///  blobs/sha256/&lt;hex&gt;         every manifest, config and layer, named by its digest
/// </code>
/// </summary>
/// <remarks>https://github.com/opencontainers/image-spec/blob/main/image-layout.md</remarks>
public static class OciLayout
{
    public const string LayoutFile = "oci-layout";
    public const string IndexFile = "index.json";
    public const string BlobsFolder = "blobs";
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    public const string ContainerdNameAnnotation = "io.containerd.image.name";

    /// <summary>
    /// On an entry of cached upstream content: the exporting site's name of that upstream. An import whose
    /// site routes the name to no upstream refuses it, rather than turning it into a local repository,
    /// unless asked to (<c>--as-local</c>).
    /// </summary>
    public const string UpstreamAnnotation = "io.ocicache.upstream";
    public const string LayoutContent = """{"imageLayoutVersion":"1.0.0"}""";

    /// <summary><c>blobs/&lt;algorithm&gt;/&lt;encoded&gt;</c>, with forward slashes (also inside a tar).</summary>
    public static string BlobPath(Digest digest) => $"{BlobsFolder}/{digest.Algorithm}/{digest.Encoded}";

    /// <summary>The digest a layout path names, or false for anything that is not a well-formed blob path.</summary>
    public static bool TryParseBlobPath(string path, out Digest digest)
    {
        digest = default;
        var parts = Normalize(path).Split('/');
        return parts is [BlobsFolder, var algorithm, var encoded] && Digest.TryParse($"{algorithm}:{encoded}", out digest);
    }

    /// <summary>A path as a tar may spell it (<c>./blobs/…</c>) in the form of <see cref="BlobPath"/>.</summary>
    public static string Normalize(string path)
    {
        path = path.Replace('\\', '/');
        while (path.StartsWith("./", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        return path.TrimEnd('/');
    }

    /// <summary>index.json for these entries, in order.</summary>
    public static byte[] WriteIndex(IEnumerable<LayoutEntry> entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", MediaTypes.OciIndex);
            w.WriteStartArray("manifests");
            foreach (var entry in entries)
            {
                w.WriteStartObject();
                w.WriteString("mediaType", entry.MediaType);
                w.WriteString("digest", entry.Digest.ToString());
                w.WriteNumber("size", entry.Size);
                w.WriteStartObject("annotations");
                w.WriteString(ContainerdNameAnnotation, entry.Name);
                w.WriteString(RefNameAnnotation, entry.Name);
                if (entry.Upstream is { } upstream)
                {
                    w.WriteString(UpstreamAnnotation, upstream);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The entries of an index.json; each must name its image (ref.name, else containerd's name).</summary>
    /// <exception cref="TransferException">index.json is no OCI index, or an entry names no image.</exception>
    public static IReadOnlyList<LayoutEntry> ReadIndex(ReadOnlyMemory<byte> content)
    {
        ManifestDocument document;
        try
        {
            document = ManifestDocument.Parse(content, MediaTypes.OciIndex);
        }
        catch (FailureException e)
        {
            throw new TransferException($"{IndexFile} is not an OCI index: {e.Failure.Detail}");
        }

        var entries = new List<LayoutEntry>(document.Manifests.Count);
        foreach (var descriptor in document.Manifests)
        {
            var name = Annotation(descriptor, RefNameAnnotation) is { } refName && refName.Contains('/')
                ? refName
                : Annotation(descriptor, ContainerdNameAnnotation) ?? Annotation(descriptor, RefNameAnnotation);
            if (name is null)
            {
                throw new TransferException($"{IndexFile}: the entry {descriptor.Digest} names no image ({RefNameAnnotation})");
            }

            if (!name.Contains('/') && !name.Contains(':') && !name.Contains('@'))
            {
                // skopeo and others name entries by tag alone: where it should go is not said.
                throw new TransferException($"{IndexFile}: the entry {descriptor.Digest} is named '{name}', a tag alone; " +
                                            $"import needs the full image name (docker.io/library/nginx:1.27) in {RefNameAnnotation}");
            }

            entries.Add(new LayoutEntry(name, descriptor.MediaType, descriptor.Digest, descriptor.Size, Annotation(descriptor, UpstreamAnnotation)));
        }

        return entries;
    }

    private static string? Annotation(Descriptor descriptor, string key)
    {
        if (descriptor.AnnotationsJson is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(descriptor.AnnotationsJson);
        return json.RootElement.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}

/// <summary>One entry of index.json: a root manifest and the full reference it goes to.</summary>
/// <param name="Upstream">For cached upstream content, the exporting site's name of that upstream (<see cref="OciLayout.UpstreamAnnotation"/>).</param>
public sealed record LayoutEntry(string Name, string MediaType, Digest Digest, long Size, string? Upstream = null);

/// <summary>An export or import that cannot go on; the message names the image or blob and why.</summary>
public sealed class TransferException(string message) : Exception(message);
