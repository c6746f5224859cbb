using OciCache.Oci;

namespace OciCache.Storage.S3;

/// <summary>
/// The bucket's layout, described once:
/// <code>
///  &lt;Prefix&gt;blobs/&lt;algorithm&gt;/&lt;hex&gt;          committed blobs (multipart uploads in progress target these keys)
///  &lt;Prefix&gt;uploads/&lt;id&gt;/started           an upload session exists (created with If-None-Match: *)
///  &lt;Prefix&gt;uploads/&lt;id&gt;/&lt;offset, 20 digits&gt; one appended chunk, starting at that offset
///  &lt;Prefix&gt;quarantine/&lt;algorithm&gt;/&lt;hex&gt;     blobs that failed verification
///  &lt;Prefix&gt;quarantine/malformed/&lt;name&gt;       keys under blobs/ that name no digest
/// </code>
/// </summary>
internal sealed class S3Keys(string prefix)
{
    public const string StartedMarker = "started";

    public string Prefix { get; } = prefix;

    public string Blobs => Prefix + "blobs/";

    public string Uploads => Prefix + "uploads/";

    public string Quarantine => Prefix + "quarantine/";

    public string Blob(Digest digest) => $"{Blobs}{digest.Algorithm}/{digest.Encoded}";

    public string QuarantineOf(Digest digest) => $"{Quarantine}{digest.Algorithm}/{digest.Encoded}";

    public string MalformedQuarantine(string name) => $"{Quarantine}malformed/{name}";

    public string Upload(string id) => $"{Uploads}{id}/";

    public string UploadStarted(string id) => Upload(id) + StartedMarker;

    public string UploadChunk(string id, long offset) => Upload(id) + offset.ToString("D20", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The digest a key under <see cref="Blobs"/> names; null when it names none.</summary>
    public Digest? DigestOf(string key)
    {
        if (!key.StartsWith(Blobs, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key[Blobs.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && Digest.TryParse($"{rest[..slash]}:{rest[(slash + 1)..]}", out var digest) && Blob(digest) == key ? digest : null;
    }

    /// <summary>The chunk offset a key under an upload's folder names; null for the marker or anything else.</summary>
    public static long? ChunkOffset(string name) =>
        name.Length == 20 && name.All(char.IsAsciiDigit) ? long.Parse(name, System.Globalization.CultureInfo.InvariantCulture) : null;
}
