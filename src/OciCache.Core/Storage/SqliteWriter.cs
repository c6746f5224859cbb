using System.Collections.Concurrent;

namespace OciCache.Storage;

/// <summary>
/// The one thread that writes the metadata database. Writes are queued and run one at a time, in order, so
/// a writer never spins on SQLITE_BUSY against another writer of this process; while a write waits for the
/// database (a long transaction, or another process holding it: <c>ocicache verify</c>), only this thread
/// blocks. Request paths await <see cref="RunAsync{T}"/> and hold no thread-pool thread meanwhile.
/// A write that fails for want of storage (a full disk, a lock held past the busy timeout, a read-only
/// database) fails with a <see cref="Oci.FailureException"/> carrying the storage failure
/// (<see cref="StorageErrors"/>), never with the SQLite exception itself.
/// </summary>
/// <remarks>
/// There is no synchronous form: every caller awaits. A write started from a write (on this thread) runs
/// inline: the queue is not re-entered, which would wait on itself.
/// </remarks>
public sealed class SqliteWriter : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly Thread _thread;
    private int _pending;

    public SqliteWriter()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "ocicache-sqlite-writer" };
        _thread.Start();
    }

    /// <summary>Writes queued and not yet finished, the one running included.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public Task<T> RunAsync<T>(Func<T> work)
    {
        if (Thread.CurrentThread == _thread)
        {
            return Task.FromResult(work()); // the outer write translates what this throws
        }

        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _pending);
        _queue.Add(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception e)
            {
                completion.SetException(StorageErrors.Translate(e));
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        });
        return completion.Task;
    }

    /// <summary>Stops the thread once the writes queued so far are done; a write queued after is refused.</summary>
    public void Dispose() => _queue.CompleteAdding();

    private void Loop()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            work();
        }
    }
}
