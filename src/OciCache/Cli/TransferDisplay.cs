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

    /// <summary>
    /// Runs one export or import under a display, and says an expected failure in one line on stderr (after the
    /// display's last line): a refused bundle or image with <paramref name="refused"/>, a full or read-only
    /// volume, a permission or a manifest the store refuses with <paramref name="failed"/> (and its detail). Null then.
    /// The line is escaped: it names what the bundle or the store holds.
    /// </summary>
    public static async Task<(T? Result, double Seconds)> RunAsync<T>(
        TransferProgress progress, string verb, Func<Task<T>> work, string refused, string failed) where T : class
    {
        var display = new TransferDisplay(progress, verb);
        T? result = null;
        string? error = null;
        try
        {
            result = await work();
        }
        catch (TransferException e)
        {
            error = $"{refused}: {e.Message}";
        }
        catch (OciCache.Oci.FailureException e)
        {
            error = $"{failed}: {e.Failure}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{failed}: {e.Message}";
        }

        await display.DisposeAsync();
        if (error is not null)
        {
            Console.Error.WriteLine($"ocicache: {TerminalText.Escape(error)}");
        }

        return (result, display.Seconds);
    }

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
