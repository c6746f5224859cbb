namespace OciCache.Storage;

internal static class StorageErrors
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;

    /// <summary>True for "no space left on device" and quota exhaustion, the failures a full disk produces.</summary>
    public static bool IsDiskFull(Exception e) =>
        e is IOException io && (io.HResult is ENOSPC or EDQUOT ||
                                (io.HResult & 0xFFFF) is ENOSPC or EDQUOT ||
                                io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase));
}
