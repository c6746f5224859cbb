using System.Diagnostics;
using OciCache.Transfer;

namespace OciCache.Cli;

/// <summary>
/// The progress of an export or import: on a terminal one status line rewritten four times a second
/// (bytes and blobs done out of the totals, the current rate); otherwise nothing until the summary line.
/// </summary>
internal sealed class TransferDisplay : IAsyncDisposable
{
    private readonly TransferProgress _progress;
    private readonly Timer? _timer;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _lastBytes;
    private long _lastTime;

    public TransferDisplay(TransferProgress progress, string verb)
    {
        _progress = progress;
        _lastTime = _started;
        if (!Console.IsOutputRedirected)
        {
            _timer = new Timer(_ => Render(verb), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        }
    }

    public double Seconds => Stopwatch.GetElapsedTime(_started).TotalSeconds;

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
            Console.WriteLine();
        }
    }

    private void Render(string verb)
    {
        var now = Stopwatch.GetTimestamp();
        var bytes = _progress.Bytes;
        var rate = (bytes - _lastBytes) / Math.Max(Stopwatch.GetElapsedTime(_lastTime, now).TotalSeconds, 0.001);
        _lastBytes = bytes;
        _lastTime = now;
        var total = _progress.BytesTotal > 0 ? $" / {Format(_progress.BytesTotal)}" : "";
        var blobs = _progress.BlobsTotal > 0 ? $"{_progress.Blobs}/{_progress.BlobsTotal}" : $"{_progress.Blobs}";
        Console.Write($"\r{verb} {Format(bytes)}{total}, {blobs} blobs, {Format((long)rate)}/s      ");
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
