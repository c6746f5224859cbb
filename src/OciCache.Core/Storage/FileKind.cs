using System.Runtime.InteropServices;

namespace OciCache.Storage;

/// <summary>What a path is, from <c>lstat</c>: a link is not followed, so it is <see cref="FileKind.Link"/> whatever it points to.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    Link,

    /// <summary>A FIFO, socket or device: reading one may block or never end.</summary>
    Special,
}

internal static class FileKinds
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;

    /// <summary>The kind of the file at <paramref name="path"/>, the path itself and not a link's target.</summary>
    public static FileKind Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            return !info.Exists && !Directory.Exists(path) ? FileKind.Missing
                : info.LinkTarget is not null ? FileKind.Link
                : info.Attributes.HasFlag(FileAttributes.Directory) ? FileKind.Directory
                : FileKind.Regular;
        }

        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0)
        {
            return FileKind.Missing;
        }

        // struct statx: stx_mode (u16) at 28; the file type is its S_IFMT bits.
        return (BitConverter.ToUInt16(buffer, 28) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Link,
            _ => FileKind.Special,
        };
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
