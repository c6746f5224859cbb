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
    private readonly string _verb;
    private readonly Timer? _timer;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _lastBytes;
    private long _lastTime;

    public TransferDisplay(TransferProgress progress, string verb)
    {
        _progress = progress;
        _verb = verb;
        _lastTime = _started;
        if (!Console.IsOutputRedirected)
        {
            _timer = new Timer(_ => Render(final: false), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        }
    }

    public double Seconds => Stopwatch.GetElapsedTime(_started).TotalSeconds;

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
            Render(final: true); // the last state, with the average rate, stays on the screen
            Console.WriteLine();
        }
    }

    private void Render(bool final)
    {
        var now = Stopwatch.GetTimestamp();
        var bytes = _progress.Bytes;
        var (since, from) = final ? (0L, _started) : (_lastBytes, _lastTime);
        var rate = (bytes - since) / Math.Max(Stopwatch.GetElapsedTime(from, now).TotalSeconds, 0.001);
        _lastBytes = bytes;
        _lastTime = now;
        var total = _progress.BytesTotal > 0 ? $" / {ByteSize.Format(_progress.BytesTotal)}" : "";
        var blobs = _progress.BlobsTotal > 0 ? $"{_progress.Blobs}/{_progress.BlobsTotal}" : $"{_progress.Blobs}";
        Console.Write($"\r{_verb} {ByteSize.Format(bytes)}{total}, {blobs} blobs, {ByteSize.Format((long)rate)}/s      ");
    }

}
