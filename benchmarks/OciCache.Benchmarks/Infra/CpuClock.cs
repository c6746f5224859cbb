using System.Globalization;

namespace OciCache.Benchmarks.Infra;

/// <summary>
/// The CPU a process has spent: utime + stime of <c>/proc/PID/stat</c> (fields 14 and 15, every thread
/// including those that have exited), in clock ticks of <c>getconf CLK_TCK</c> (100 a second on Linux,
/// so one reading is good to 10 ms). Differences of two readings around a transfer are its CPU cost.
/// </summary>
internal static class CpuClock
{
    private static double? s_ticksPerSecond;

    /// <summary>Seconds of CPU (user and system) <paramref name="pid"/> has used so far.</summary>
    public static async Task<double> ReadAsync(int pid)
    {
        s_ticksPerSecond ??= await TicksPerSecondAsync();
        var stat = await File.ReadAllTextAsync($"/proc/{pid}/stat");

        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ')'.
        // After it, field 3 (state) is the first; utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[14 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[15 - 3], CultureInfo.InvariantCulture);
        return ticks / s_ticksPerSecond.Value;
    }

    private static async Task<double> TicksPerSecondAsync()
    {
        var result = await Exec.RunAsync(null, "getconf", ["CLK_TCK"], TimeSpan.FromSeconds(10));
        return result.Ok && double.TryParse(result.Stdout.Trim(), CultureInfo.InvariantCulture, out var ticks) && ticks > 0
            ? ticks
            : throw new InvalidOperationException($"getconf CLK_TCK: {result.Describe}");
    }
}
