using Microsoft.Win32.SafeHandles;

namespace OciCache.Storage;

/// <summary>Opening stored content (a committed blob, a fill's temp file) for reading.</summary>
internal static class ContentFile
{
    /// <summary>
    /// A read handle that survives the file being renamed or deleted meanwhile; null when the file is not
    /// there (evicted, collected, or renamed between a lookup and this open).
    /// </summary>
    public static SafeFileHandle? TryOpenRead(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
