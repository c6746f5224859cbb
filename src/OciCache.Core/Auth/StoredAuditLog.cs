using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OciCache.Storage;

namespace OciCache.Auth;

/// <summary>
/// <see cref="IAuditLog"/> into an <see cref="IAuditStore"/> shared by every replica, and the
/// <see cref="IAuditHistory"/> the console reads back from it. <see cref="Write"/> stamps the event and queues
/// it; one writer stores what is queued, up to <see cref="BatchSize"/> events per transaction, in order.
/// </summary>
/// <remarks>
/// As with <see cref="JsonLinesAuditLog"/>, nothing waits on the database in a request: the queue takes
/// <see cref="Capacity"/> events and drops (and logs) the ones past it. A batch the store refuses (the
/// database is away) is tried again, after 1 s, then twice as long each time up to 30 s, on the injected
/// clock; meanwhile events queue, and past the capacity they are lost to the table (the file keeps them).
/// At disposal the queue is stored once more; what fails then is lost and logged.
/// </remarks>
internal sealed partial class StoredAuditLog : IAuditLog, IAuditHistory, IAsyncDisposable
{
    public const int Capacity = 10_000;
    public const int BatchSize = 256;

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<StoredAuditLog> _logger;
    private readonly Task _writer;
    private int _dropping; // 1 while events are dropped at the queue; logged on the change only
    private bool _failing; // the writer's own: the store failed, and that was logged
    private int _disposed;

    public StoredAuditLog(IAuditStore store, TimeProvider time, ILogger<StoredAuditLog> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public void Write(AuditEvent entry)
    {
        var line = AuditLine.From(entry, _time.GetUtcNow());
        var record = new AuditRecord(line.Time, line.Action, line.Who, line.Repository, JsonSerializer.Serialize(line, AuditLineContext.Default.AuditLine));
        if (_queue.Writer.TryWrite(new Pending(record, null)))
        {
            if (Interlocked.Exchange(ref _dropping, 0) == 1)
            {
                LogQueueDrains();
            }
        }
        else if (!_closing.IsCancellationRequested && Interlocked.Exchange(ref _dropping, 1) == 0)
        {
            LogQueueFull(Capacity);
        }
    }

    /// <summary>Completes once every event written before the call is stored (or was given up).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(new Pending(null, flushed), cancellationToken);
        }
        catch (ChannelClosedException)
        {
            await _writer.WaitAsync(cancellationToken); // closed: the writer stores what was queued before it ends
            return;
        }

        await flushed.Task.WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditLine>> ReadAsync(AuditQuery query, int limit, CancellationToken cancellationToken) =>
        [.. (await _store.ReadAsync(query, limit, cancellationToken)).Select(AuditLine.Parse).OfType<AuditLine>()];

    /// <summary>
    /// Takes no more events, stores the queued ones (one try each), and ends the writer. Safe to call again
    /// (the container disposes it once for each role it is registered under).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.Writer.TryComplete();
            await _closing.CancelAsync();
        }

        await _writer;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<AuditRecord>(BatchSize);
        var flushes = new List<TaskCompletionSource>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < BatchSize && _queue.Reader.TryRead(out var pending))
            {
                if (pending.Record is { } record)
                {
                    batch.Add(record);
                }
                else
                {
                    flushes.Add(pending.Flushed!);
                }
            }

            await StoreAsync(batch);
            batch.Clear();
            flushes.ForEach(f => f.TrySetResult());
            flushes.Clear();
        }
    }

    private async Task StoreAsync(List<AuditRecord> batch)
    {
        var wait = FirstRetry;
        while (batch.Count > 0)
        {
            try
            {
                await _store.AppendAsync(batch, CancellationToken.None);
                if (_failing)
                {
                    _failing = false;
                    LogStoredAgain();
                }

                return;
            }
            catch (Exception e)
            {
                // Whatever failed (the database away, a timeout), the writer must outlive it, or every later
                // event and flush would wait forever.
                if (!_failing)
                {
                    _failing = true;
                    LogStoreFailed(batch.Count, e.Message);
                }

                if (_closing.IsCancellationRequested)
                {
                    LogLostAtClose(batch.Count);
                    return;
                }
            }

            try
            {
                await Task.Delay(wait, _time, _closing.Token);
            }
            catch (OperationCanceledException)
            {
                // Closing: one more try below.
            }

            wait = wait * 2 < LastRetry ? wait * 2 : LastRetry;
        }
    }

    /// <summary>An event to store, or (with none) a flush to complete once the events before it are stored.</summary>
    private sealed record Pending(AuditRecord? Record, TaskCompletionSource? Flushed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit events cannot be stored in the metadata database ({Reason}); a batch of {Count} is tried again, and the events queue meanwhile")]
    private partial void LogStoreFailed(int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit events are stored in the metadata database again")]
    private partial void LogStoredAgain();

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} audit events were not stored in the metadata database before shutdown; audit.log keeps them")]
    private partial void LogLostAtClose(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit queue for the metadata database is full ({Capacity} events); events are dropped from the table until it drains")]
    private partial void LogQueueFull(int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audit queue for the metadata database takes events again")]
    private partial void LogQueueDrains();
}
