namespace OciCache.Testing;

/// <summary>
/// A size-limited tmpfs mounted on a temp folder, for full-disk tests. Needs root (as CI and ./test.sh
/// run); a failure to mount fails the test, it never skips it.
/// </summary>
public sealed class SmallFilesystem : IAsyncDisposable
{
    private readonly TempDirectory _mountPoint = new("smallfs");

    private SmallFilesystem()
    {
    }

    public string Path => _mountPoint.Path;

    public static async Task<SmallFilesystem> MountAsync(long bytes)
    {
        var fs = new SmallFilesystem();
        var result = await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", fs.Path]);
        if (result.ExitCode != 0)
        {
            fs._mountPoint.Dispose();
            throw new Xunit.Sdk.XunitException($"could not mount a {bytes}-byte tmpfs (full-disk tests need root): {result}");
        }

        return fs;
    }

    /// <summary>Grows or shrinks the filesystem in place (space "returns").</summary>
    public async Task ResizeAsync(long bytes) =>
        await ProcessRunner.RunCheckedAsync("mount", "-o", $"remount,size={bytes}", Path);

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("umount", ["-l", Path]);
        _mountPoint.Dispose();
    }
}
