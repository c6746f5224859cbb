namespace OciCache.Storage;

/// <summary>What <see cref="IBlobIndex.UnlinkBlobAsync"/> did.</summary>
public enum BlobUnlink
{
    /// <summary>The repository no longer links the blob.</summary>
    Unlinked,

    /// <summary>The repository did not link the blob.</summary>
    NotLinked,

    /// <summary>A manifest of the repository references the blob, so the link stays (the image would break).</summary>
    Referenced,
}
