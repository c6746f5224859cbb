using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace OciCache.Auth;

/// <summary>
/// <see cref="IAuditLog"/> as JSON lines (<see cref="AuditLine"/>) in one file, rotated by size
/// (<see cref="AuditLogFile"/>). <see cref="Write"/> stamps the event, turns it into its line and queues it;
/// one writer task appends what is queued and fsyncs before it takes more, so an event the writer has
/// taken is on disk before the next one is, and <see cref="FlushAsync"/> and disposal wait until every
/// event queued before them is.
/// </summary>
/// <remarks>
/// A slow disk delays the writer, not the request: the queue takes <see cref="Capacity"/> events; only past
/// that does <see cref="Write"/> wait, for at most <see cref="FullWait"/>, and then drops the event. A file
/// that cannot be written (disk full, permissions) is logged once until it can be again; nothing throws
/// into the caller.
/// </remarks>
internal sealed partial class JsonLinesAuditLog : IAuditLog, IAsyncDisposable, IDisposable
{
    public const int Capacity = 10_000;

    private const int BatchLines = 256;

    private static readonly TimeSpan FullWait = TimeSpan.FromSeconds(2);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly AuditLogFile _file;
    private readonly TimeProvider _time;
    private readonly ILogger<JsonLinesAuditLog> _logger;
    private readonly Task _writer;
    private int _dropping; // 1 while events are being dropped at the queue; logged on the change only
    private bool _failing; // the writer's own: the file failed, and that was logged
    private volatile bool _writerOpen = true;

    /// <param name="path">The file; <see cref="AuditLogOptions.Path"/> as resolved against the data folder.</param>
    public JsonLinesAuditLog(AuditLogOptions options, string path, TimeProvider time, ILogger<JsonLinesAuditLog> logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Files);
        _file = new AuditLogFile(System.IO.Path.GetFullPath(path), options.MaxBytes, options.Files);
        _time = time;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public string Path => _file.Path;

    internal AuditLogFile File => _file;

    public void Write(AuditEvent entry)
    {
        var line = new Pending(AuditLine.From(entry, _time.GetUtcNow()).ToUtf8Line(), null);
        if (_queue.Writer.TryWrite(line) || WaitForRoom(line))
        {
            if (Interlocked.Exchange(ref _dropping, 0) == 1)
            {
                LogQueueDrains(Path);
            }

            return;
        }

        if (!_writerOpen)
        {
            LogWriteAfterClose(Path, entry.Action);
        }
        else if (Interlocked.Exchange(ref _dropping, 1) == 0)
        {
            LogQueueFull(Path, Capacity);
        }
    }

    /// <summary>Completes once every event written before the call is in the file (or failed to be).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(new Pending(null, flushed), cancellationToken);
        }
        catch (ChannelClosedException)
        {
            await _writer.WaitAsync(cancellationToken);
            return;
        }

        await flushed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Takes no more events and waits until the queued ones are written.</summary>
    public async ValueTask DisposeAsync()
    {
        _writerOpen = false;
        _queue.Writer.TryComplete();
        await _writer;
    }

    public void Dispose()
    {
        _writerOpen = false;
        _queue.Writer.TryComplete();
        _writer.GetAwaiter().GetResult();
    }

    private bool WaitForRoom(Pending line)
    {
        try
        {
            using var wait = new CancellationTokenSource(FullWait);
            _queue.Writer.WriteAsync(line, wait.Token).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            return false;
        }
    }

    private async Task WriteLoopAsync()
    {
        var lines = new List<byte[]>(BatchLines);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (lines.Count < BatchLines && _queue.Reader.TryRead(out var pending))
            {
                if (pending.Line is { } line)
                {
                    lines.Add(line);
                    continue;
                }

                // A flush waits for the lines queued before it only.
                Append(lines);
                pending.Flushed!.TrySetResult();
            }

            Append(lines);
        }
    }

    private void Append(List<byte[]> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        try
        {
            _file.Append(lines);
            if (_failing)
            {
                _failing = false;
                LogWritable(Path);
            }
        }
        catch (Exception e)
        {
            // Whatever went wrong (disk full, permissions, the folder gone), the writer goes on for the next
            // batch: it must outlive a failure, or every later event and flush would wait forever.
            if (!_failing)
            {
                _failing = true;
                LogWriteFailed(Path, lines.Count, e.Message);
            }
        }

        lines.Clear();
    }

    /// <summary>A line to write, or (with no line) a flush to complete once the lines before it are written.</summary>
    private sealed record Pending(byte[]? Line, TaskCompletionSource? Flushed);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit log {Path} cannot be written ({Reason}); {Count} events lost, and every event until it can be again")]
    private partial void LogWriteFailed(string path, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audit log {Path} is written again; events between the failure and now are lost")]
    private partial void LogWritable(string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit log {Path} is {Capacity} events behind (a stalled disk); events are dropped until it catches up")]
    private partial void LogQueueFull(string path, int capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "An audit event ({Action}) came after the audit log {Path} was closed and is lost")]
    private partial void LogWriteAfterClose(string path, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audit log {Path} takes events again")]
    private partial void LogQueueDrains(string path);
}
