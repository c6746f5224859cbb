using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OciCache.Oci;

/// <summary>
/// Bounds on manifest annotations, so no listing and no database row can grow with them: the copy a
/// referrers list shows in each descriptor, which is also the only copy a row keeps, is cut to
/// <see cref="MaxDescriptorBytes"/>. The manifest's own <c>annotations</c> object is bounded only by the
/// manifest size (<see cref="ManifestDocument.MaxSize"/>), as the distribution spec asks a registry to
/// accept manifests of at least 4 MB: the full annotations live in the manifest's bytes, stored and served
/// whole like any blob, outside the metadata database.
/// </summary>
/// <remarks>
/// Only the manifest's top-level <c>annotations</c> count: they are what a referrers descriptor copies
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers). Annotations
/// of its config, layers and child descriptors are never copied or stored apart from the bytes, and
/// cosign's signature layers legitimately carry certificates and Rekor bundles there.
/// </remarks>
public static class AnnotationLimits
{
    /// <summary>The annotations a referrers descriptor carries take at most this many bytes of JSON.</summary>
    public const int MaxDescriptorBytes = 4 * 1024;

    /// <summary>The size of an <c>annotations</c> object as sent, in UTF-8 bytes.</summary>
    public static int Size(string annotationsJson) => Encoding.UTF8.GetByteCount(annotationsJson);

    /// <summary>
    /// The annotations for a descriptor: the object re-written compactly, keeping each entry, in order,
    /// that still fits within <see cref="MaxDescriptorBytes"/> and dropping those that do not (so one huge
    /// value does not hide the small ones after it). Null when nothing is left or the input is not an object.
    /// </summary>
    public static string? ForDescriptor(string? annotationsJson)
    {
        if (annotationsJson is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(annotationsJson);
        if (json.RootElement.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var output = new ArrayBufferWriter<byte>(Math.Min(MaxDescriptorBytes, Size(annotationsJson)) + 2);
        var entry = new ArrayBufferWriter<byte>(256);
        var kept = 0;
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            var used = 2; // the braces
            foreach (var property in json.RootElement.EnumerateObject())
            {
                var size = EntrySize(property, entry) + (kept > 0 ? 1 : 0); // and its comma
                if (used + size > MaxDescriptorBytes)
                {
                    continue;
                }

                property.WriteTo(writer);
                used += size;
                kept++;
            }

            writer.WriteEndObject();
        }

        return kept == 0 ? null : Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>The bytes <c>"name":value</c> takes when written compactly.</summary>
    private static int EntrySize(JsonProperty property, ArrayBufferWriter<byte> scratch)
    {
        scratch.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(scratch))
        {
            writer.WriteStartObject();
            property.WriteTo(writer);
            writer.WriteEndObject();
        }

        return scratch.WrittenCount - 2;
    }
}
