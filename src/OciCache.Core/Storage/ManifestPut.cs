using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// What <see cref="IManifestIndex.PutManifestAsync"/> did. Written, unless one of the blobs the push relied
/// on is no longer linked (<see cref="Unlinked"/>) or the tag is to be kept and names another manifest
/// (<see cref="TagHeldBy"/>, the digest it names); then nothing was written.
/// </summary>
public readonly record struct ManifestPut(Digest? Unlinked, Digest? TagHeldBy)
{
    public static readonly ManifestPut Written = default;

    public bool IsWritten => Unlinked is null && TagHeldBy is null;
}
