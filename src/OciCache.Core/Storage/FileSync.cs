using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OciCache.Storage;

/// <summary>
/// File-system helpers .NET lacks: a rename is only durable once its directory is fsynced, and space
/// reserved for a file of known length saves the file system its per-block allocation.
/// Failures are ignored where the file system cannot sync a directory (the data is still crash-consistent).
/// </summary>
internal static partial class FileSync
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux
    private const int KeepSize = 0x01; // FALLOC_FL_KEEP_SIZE

    public static void FlushDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(path, ReadOnly | Directory);
        if (fd < 0)
        {
            return;
        }

        _ = Fsync(fd);
        _ = Close(fd);
    }

    /// <summary>
    /// Allocates <paramref name="count"/> bytes of the file from <paramref name="offset"/> without changing its
    /// length (Linux <c>fallocate</c> with <c>FALLOC_FL_KEEP_SIZE</c>); false where unsupported or refused.
    /// </summary>
    public static bool Preallocate(SafeFileHandle file, long offset, long count) =>
        OperatingSystem.IsLinux() && Environment.Is64BitProcess && Fallocate(file, KeepSize, offset, count) == 0;

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
