using System.Text.Json;
using System.Text.Unicode;

namespace OciCache.Oci;

/// <summary>
/// What the registry needs to know about a manifest: its media type, the blobs and child manifests it
/// references, its subject and artifact type. The bytes themselves are never re-serialised: a manifest is
/// stored and served exactly as received, because its digest is over those bytes.
/// </summary>
public sealed class ManifestDocument
{
    /// <summary>Manifests larger than this are refused (containerd rejects them too).</summary>
    public const int MaxSize = 4 * 1024 * 1024;

    private ManifestDocument(string mediaType)
    {
        MediaType = mediaType;
    }

    public string MediaType { get; }

    public Descriptor? Config { get; private set; }

    public IReadOnlyList<Descriptor> Layers { get; private set; } = [];

    /// <summary>Child manifests of an index or manifest list.</summary>
    public IReadOnlyList<Descriptor> Manifests { get; private set; } = [];

    public Descriptor? Subject { get; private set; }

    /// <summary><c>artifactType</c>, or for an image manifest without one, its config media type.</summary>
    public string? ArtifactType { get; private set; }

    public string? AnnotationsJson { get; private set; }

    /// <summary>Blobs the registry must hold for this manifest to be complete (config and distributable layers).</summary>
    public IEnumerable<Descriptor> RequiredBlobs =>
        (Config is null ? Layers : Layers.Prepend(Config)).Where(d => !MediaTypes.IsNonDistributable(d.MediaType));

    /// <summary>
    /// Parses and validates a manifest. <paramref name="contentType"/> is the media type it was sent or
    /// received with; the body's <c>mediaType</c> is used when it is absent, and the two must agree. The
    /// result must be a manifest media type (<see cref="MediaTypes.IsManifest"/>): a manifest is served with
    /// it, so <c>text/html</c> or any other type a browser would render is refused.
    /// </summary>
    /// <exception cref="FailureException"><see cref="ManifestInvalid"/>, its detail naming the offending field.</exception>
    public static ManifestDocument Parse(ReadOnlyMemory<byte> content, string? contentType)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            // Position only: the runtime's message is a resource key in the shipped build.
            throw Invalid($"manifest is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }

        using (json)
        {
            EnsureText(content.Span);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("manifest must be a JSON object");
            }

            var declared = MediaTypes.Normalize(contentType);
            var bodyType = root.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String
                ? mt.GetString()!
                : null;
            var mediaType = declared.Length > 0 ? declared : bodyType ?? Infer(root);
            if (mediaType is null)
            {
                throw Invalid("manifest media type is unknown: send a Content-Type or a mediaType field");
            }

            if (!MediaTypes.IsManifest(mediaType))
            {
                throw Invalid($"'{mediaType}' is not a manifest media type: an OCI or Docker manifest or index, or an artifact manifest of an application/…+json type");
            }

            if (bodyType is not null && bodyType != mediaType && IsKnown(mediaType))
            {
                throw Invalid($"mediaType '{bodyType}' does not match Content-Type '{mediaType}'");
            }

            var doc = new ManifestDocument(mediaType);
            if (MediaTypes.IsSchema1(mediaType))
            {
                return doc;
            }

            doc.Read(root);
            doc.Validate(root);
            return doc;
        }
    }

    /// <summary>
    /// JSON is UTF-8 (RFC 8259 §8.1) and its strings are Unicode text. The parser checks neither: bytes that
    /// are not UTF-8, or an escaped unpaired surrogate (<c>"\ud800"</c>), fail only when a string is read,
    /// anywhere later (an InvalidOperationException, a 500). Checked once here, for every string.
    /// </summary>
    /// <remarks>https://www.rfc-editor.org/rfc/rfc8259#section-8</remarks>
    private static void EnsureText(ReadOnlySpan<byte> content)
    {
        if (!Utf8.IsValid(content))
        {
            throw Invalid("manifest is not valid UTF-8");
        }

        var reader = new Utf8JsonReader(content, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString(); // unescapes, and throws on an unpaired surrogate
                }
            }
        }
        catch (InvalidOperationException)
        {
            throw Invalid("manifest has a string that is not Unicode text (an unpaired surrogate escape)");
        }
    }

    private void Read(JsonElement root)
    {
        Config = OptionalDescriptor(root, "config");
        var layers = DescriptorArray(root, "layers");
        var blobs = DescriptorArray(root, "blobs");
        Layers = blobs.Count == 0 ? layers : [.. layers, .. blobs];
        Manifests = DescriptorArray(root, "manifests");
        Subject = OptionalDescriptor(root, "subject");
        AnnotationsJson = root.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object
            ? a.GetRawText()
            : null;
        ArtifactType = root.TryGetProperty("artifactType", out var at) && at.ValueKind == JsonValueKind.String
            ? at.GetString()
            : Config?.MediaType;
    }

    private void Validate(JsonElement root)
    {
        var isImage = MediaTypes.IsImageManifest(MediaType);
        var isIndex = MediaTypes.IsIndex(MediaType);
        if (!isImage && !isIndex)
        {
            return; // unknown artifact manifests are stored as they are
        }

        if (!root.TryGetProperty("schemaVersion", out var sv) || sv.ValueKind != JsonValueKind.Number ||
            !sv.TryGetInt32(out var version) || version != 2)
        {
            throw Invalid("schemaVersion must be 2");
        }

        if (isImage)
        {
            if (Config is null)
            {
                throw Invalid("an image manifest needs a config descriptor");
            }

            if (!root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("an image manifest needs a layers array");
            }
        }
        else if (!root.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("an index needs a manifests array");
        }
    }

    private static bool IsKnown(string mediaType) =>
        MediaTypes.IsImageManifest(mediaType) || MediaTypes.IsIndex(mediaType);

    private static string? Infer(JsonElement root) =>
        root.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex
        : root.TryGetProperty("config", out _) ? MediaTypes.OciManifest
        : null;

    private static Descriptor? OptionalDescriptor(JsonElement root, string name) =>
        root.TryGetProperty(name, out var element) && element.ValueKind != JsonValueKind.Null
            ? ReadDescriptor(element, name)
            : null;

    private static List<Descriptor> DescriptorArray(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"'{name}' must be an array");
        }

        var list = new List<Descriptor>(array.GetArrayLength());
        var i = 0;
        foreach (var element in array.EnumerateArray())
        {
            list.Add(ReadDescriptor(element, $"{name}[{i++}]"));
        }

        return list;
    }

    private static Descriptor ReadDescriptor(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"'{path}' must be a descriptor object");
        }

        var mediaType = element.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String
            ? mt.GetString()!
            : throw Invalid($"'{path}.mediaType' is required");
        if (!element.TryGetProperty("digest", out var d) || d.ValueKind != JsonValueKind.String ||
            !Digest.TryParse(d.GetString(), out var digest))
        {
            throw Invalid($"'{path}.digest' is missing or not a valid digest");
        }

        if (!element.TryGetProperty("size", out var s) || s.ValueKind != JsonValueKind.Number ||
            !s.TryGetInt64(out var size) || size < 0)
        {
            throw Invalid($"'{path}.size' is missing or negative");
        }

        return new Descriptor(mediaType, digest, size)
        {
            ArtifactType = element.TryGetProperty("artifactType", out var at) && at.ValueKind == JsonValueKind.String
                ? at.GetString()
                : null,
            AnnotationsJson = element.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object
                ? a.GetRawText()
                : null,
            Platform = ReadPlatform(element),
        };
    }

    private static Platform? ReadPlatform(JsonElement element)
    {
        if (!element.TryGetProperty("platform", out var p) || p.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? Str(string key) =>
            p.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        return Str("os") is { } os && Str("architecture") is { } arch ? new Platform(os, arch, Str("variant")) : null;
    }

    private static FailureException Invalid(string detail) => new(new ManifestInvalid(detail));
}
