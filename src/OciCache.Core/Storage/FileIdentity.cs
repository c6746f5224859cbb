using System.Runtime.InteropServices;

namespace OciCache.Storage;

/// <summary>A file's device and inode, from <c>statx(2)</c> (whose layout is the same on every Linux architecture).</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    private const int AtFdCwd = -100;
    private const uint StatxIno = 0x100;

    /// <summary>The identity of the file at <paramref name="path"/>, or null when there is none.</summary>
    public static FileIdentity? Of(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        if (!OperatingSystem.IsLinux())
        {
            return new FileIdentity(0, 0); // existence only
        }

        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, 0, StatxIno, buffer) != 0)
        {
            return Marshal.GetLastPInvokeError() == 2 /* ENOENT */ ? null : new FileIdentity(0, 0);
        }

        // struct statx: stx_ino at 32, stx_dev_major at 136, stx_dev_minor at 140
        var inode = BitConverter.ToUInt64(buffer, 32);
        var device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
        return new FileIdentity(device, inode);
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
