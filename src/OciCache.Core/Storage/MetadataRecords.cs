using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>A stored blob: its size, when it was first stored and when it was last read.</summary>
public sealed record BlobRecord(Digest Digest, long Size, DateTimeOffset CreatedAt, DateTimeOffset LastAccess);

public sealed record ManifestRecord(Digest Digest, string MediaType, long Size)
{
    public string? ArtifactType { get; init; }

    public Digest? Subject { get; init; }

    /// <summary>
    /// The annotations a referrers descriptor shows: the manifest's, cut to
    /// <see cref="AnnotationLimits.MaxDescriptorBytes"/> when stored (its bytes in the blob store hold them
    /// all). A row stored before the cut existed is read back without them when they are longer.
    /// </summary>
    public string? AnnotationsJson { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A tag. <see cref="CheckedAt"/> is when a mirror tag was last confirmed upstream.</summary>
public sealed record TagRecord(string Name, Digest Digest, DateTimeOffset UpdatedAt, DateTimeOffset CheckedAt);

/// <summary>
/// An upload session. <see cref="Repository"/> is the stored name of the repository the session pushes to:
/// it is only ever compared with the name of the repository a request addresses, so it stays a string.
/// </summary>
public sealed record UploadRecord(string Id, string Repository, long Size, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt);
