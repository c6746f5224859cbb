namespace OciCache.Storage;

public static class StorageErrors
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;
    private const int EROFS = 30;

    /// <summary>True for "no space left on device" and quota exhaustion, the failures a full disk produces.</summary>
    public static bool IsDiskFull(Exception e) =>
        e is IOException io && (io.HResult is ENOSPC or EDQUOT ||
                                (io.HResult & 0xFFFF) is ENOSPC or EDQUOT ||
                                io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase));

    /// <summary>True for "read-only file system": the volume was mounted (or remounted) read-only.</summary>
    public static bool IsReadOnly(Exception e) =>
        e is IOException io && (io.HResult == EROFS || (io.HResult & 0xFFFF) == EROFS ||
                                io.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase));
}
