using System.Diagnostics;

namespace OciCache.Cli;

/// <summary>One status line on a terminal, rewritten four times a second with the bytes so far and the current rate.</summary>
internal static class ProgressLine
{
    /// <param name="read">What is running; null skips a tick (nothing started yet).</param>
    /// <param name="bytes">Its bytes so far.</param>
    /// <param name="text">The line for it, its bytes and the rate since the last tick (bytes a second).</param>
    public static Timer Start<T>(Func<T?> read, Func<T, long> bytes, Func<T, long, long, string> text) where T : class
    {
        long lastBytes = 0;
        var lastTime = Stopwatch.GetTimestamp();
        return new Timer(_ =>
        {
            if (read() is not { } running)
            {
                return;
            }

            var now = Stopwatch.GetTimestamp();
            var count = bytes(running);
            var rate = (count - lastBytes) / Math.Max(Stopwatch.GetElapsedTime(lastTime, now).TotalSeconds, 0.001);
            lastBytes = count;
            lastTime = now;
            Console.Write($"\r{text(running, count, (long)rate)}      ");
        }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
    }
}
