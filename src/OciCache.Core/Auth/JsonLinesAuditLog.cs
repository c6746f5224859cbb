using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OciCache.Auth;

/// <summary>
/// <see cref="IAuditLog"/> as JSON lines (<see cref="AuditLine"/>) in one file, rotated by size
/// (<see cref="AuditLogFile"/>). <see cref="Write"/> stamps the event, turns it into its line and queues it;
/// one writer thread appends what is queued and fsyncs before it takes more, so an event the writer has
/// taken is on disk before the next one is, and <see cref="FlushAsync"/> and disposal wait until every
/// event queued before them is.
/// </summary>
/// <remarks>
/// A slow disk delays the writer, not the request: the queue takes <see cref="Capacity"/> events; only past
/// that does <see cref="Write"/> wait, for at most <see cref="FullWait"/>, and then drops the event. That
/// wait is for a place in the queue (a semaphore the writer releases as it takes lines), never for a task.
/// The writer is a thread of its own because its work is synchronous (file locks, fsync), as
/// <see cref="Storage.SqliteWriter"/>'s is; so <see cref="Dispose"/> joins a thread instead of blocking on a
/// task. A file that cannot be written (disk full, permissions) is logged once until it can be again;
/// nothing throws into the caller.
/// </remarks>
internal sealed partial class JsonLinesAuditLog : IAuditLog, IAsyncDisposable, IDisposable
{
    public const int Capacity = 10_000;

    private const int BatchLines = 256;

    private static readonly TimeSpan FullWait = TimeSpan.FromSeconds(2);

    private readonly BlockingCollection<Pending> _queue = []; // lines bounded by _room; flushes are not
    private readonly SemaphoreSlim _room = new(Capacity, Capacity);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly AuditLogFile _file;
    private readonly TimeProvider _time;
    private readonly ILogger<JsonLinesAuditLog> _logger;
    private readonly Thread _writer;
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
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "ocicache-audit-writer" };
        _writer.Start();
    }

    public string Path => _file.Path;

    internal AuditLogFile File => _file;

    public void Write(AuditEvent entry)
    {
        var line = new Pending(AuditLine.From(entry, _time.GetUtcNow()).ToUtf8Line(), null);
        if (TryQueue(line))
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
        if (!TryAdd(new Pending(null, flushed)))
        {
            await _stopped.Task.WaitAsync(cancellationToken); // closed: everything queued is written when the writer stops
            return;
        }

        await flushed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Takes no more events and waits until the queued ones are written.</summary>
    public async ValueTask DisposeAsync()
    {
        Close();
        await _stopped.Task;
    }

    /// <summary>As <see cref="DisposeAsync"/>: joins the writer thread once it wrote what was queued.</summary>
    public void Dispose()
    {
        Close();
        _writer.Join();
    }

    private void Close()
    {
        _writerOpen = false;
        _queue.CompleteAdding();
    }

    /// <summary>Queues a line when there is room, or room within <see cref="FullWait"/>; false when closed or full.</summary>
    private bool TryQueue(Pending line)
    {
        if (!_writerOpen || (!_room.Wait(TimeSpan.Zero) && !_room.Wait(FullWait)))
        {
            return false;
        }

        if (TryAdd(line))
        {
            return true;
        }

        _room.Release();
        return false;
    }

    /// <summary>False when the log was closed meanwhile.</summary>
    private bool TryAdd(Pending pending)
    {
        try
        {
            _queue.Add(pending);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private void WriteLoop()
    {
        try
        {
            var lines = new List<byte[]>(BatchLines);
            foreach (var first in _queue.GetConsumingEnumerable())
            {
                for (var pending = first; pending is not null; pending = lines.Count < BatchLines && _queue.TryTake(out var next) ? next : null)
                {
                    if (pending.Line is { } line)
                    {
                        _room.Release();
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
        finally
        {
            _stopped.TrySetResult();
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
