using System.Diagnostics;

namespace OciCache.Tests;

/// <summary>What the file system allocated to a file: <c>stat</c>'s block count times its block size (.NET does not expose it).</summary>
internal static class FileAllocation
{
    public static async Task<long> BytesAsync(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("stat did not start");
        var output = (await stat.StandardOutput.ReadToEndAsync()).Split(' ', StringSplitOptions.TrimEntries);
        await stat.WaitForExitAsync();
        Assert.Equal(0, stat.ExitCode);
        return long.Parse(output[0]) * long.Parse(output[1]);
    }
}
