using System.Runtime.CompilerServices;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// The watermark of a fill that the producer, the hasher and every reader follow, and its phase: how many
/// bytes arrived, how many reached the file, how many are hashed, who is still reading. All of it under
/// one lock that is held only for bookkeeping and copies out of the relay window, never for I/O.
/// <code>
///   0 ─────────────── hashed ──── readable ─ received       (readable = received − 1 until Verified)
///   └── in the file up to FileLimit (everything, unless the fill relays) ──┘
///                     └── window: recent chunks in memory ──┘
/// </code>
/// The last byte is withheld until the digest checks, so a reader whose fill fails never sees a complete
/// body. Waiters are woken through two signals: data (bytes arrived, phase changed) for readers and the
/// hasher, space (a chunk may be dropped) for the producer. A signal is allocated only when someone waits.
/// Who reads, and so how far the window may be dropped, is <see cref="FillReaders"/>' part; the recent
/// bytes are <see cref="ChunkWindow"/>'s; both are called under this lock.
/// </summary>
internal sealed class FillProgress : IDisposable
{
    private readonly object _gate = new();
    private readonly ChunkWindow _window;
    private readonly FillReaders _readers = new();
    private readonly TaskCompletionSource<UpstreamFailure?> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FillPhase _phase = FillPhase.Connecting;
    private UpstreamFailure? _failure;
    private long _received;
    private long _fileEnd = long.MaxValue;
    private long _hashed;
    private long? _length;
    private bool _endOfBody;
    private TaskCompletionSource? _data;
    private TaskCompletionSource? _space;
    private bool _ended;

    public FillProgress(long? expectedLength, int slabSize, int slabCount)
    {
        _length = expectedLength;
        _window = new ChunkWindow(slabSize, slabCount);
    }

    public int SlabSize => _window.SlabSize;

    public FillPhase Phase
    {
        get { lock (_gate) { return _phase; } }
    }

    public UpstreamFailure? Failure
    {
        get { lock (_gate) { return _failure; } }
    }

    public long? Length
    {
        get { lock (_gate) { return _length; } }
    }

    public long Received
    {
        get { lock (_gate) { return _received; } }
    }

    /// <summary>Where the file's bytes end for good: <see cref="long.MaxValue"/> unless the fill relays.</summary>
    public long FileLimit
    {
        get { lock (_gate) { return _fileEnd; } }
    }

    /// <summary>Completes when the upstream answered: null, or why it did not (the fill failed before any byte).</summary>
    public Task<UpstreamFailure?> Started => _started.Task;

    /// <summary>The upstream answered; <paramref name="announced"/> is its Content-Length. False when it contradicts the expected length.</summary>
    public bool Begin(long? announced, bool relaying)
    {
        lock (_gate)
        {
            if (_phase != FillPhase.Connecting)
            {
                return false;
            }

            if (_length is { } expected && announced is { } actual && expected != actual)
            {
                return false;
            }

            _length ??= announced;
            _phase = relaying ? FillPhase.Relaying : FillPhase.Filling;
            if (relaying)
            {
                _fileEnd = 0;
            }
        }

        _started.TrySetResult(null);
        return true;
    }

    /// <summary>Whether a new reader may join: not once bytes live only in the window, nor after a failure.</summary>
    public bool AcceptsReaders
    {
        get
        {
            lock (_gate)
            {
                return _phase is not (FillPhase.Relaying or FillPhase.Failed or FillPhase.Unkept) && _fileEnd == long.MaxValue;
            }
        }
    }

    /// <summary>
    /// A request that will read but has not opened its reader yet (it holds a lease and is sending its
    /// headers). While the fill relays, nothing past the file's end is dropped before it opens: the window
    /// is the only copy of those bytes.
    /// </summary>
    public void Reserve()
    {
        lock (_gate)
        {
            _readers.Reserve();
        }
    }

    public void Unreserve()
    {
        lock (_gate)
        {
            _readers.Unreserve();
            Wake(ref _space);
            DisposeWindowIfUnused();
        }
    }

    /// <summary>Adds a reader; <paramref name="reserved"/> hands over the request's reservation in the same step.</summary>
    public FillReader AddReader(FillReader reader, bool reserved = false)
    {
        lock (_gate)
        {
            _readers.Add(reader, reserved);
            return reader;
        }
    }

    public void RemoveReader(FillReader reader)
    {
        lock (_gate)
        {
            _readers.Remove(reader);
            Wake(ref _space); // the slowest reader may have been this one
            DisposeWindowIfUnused();
        }
    }

    /// <summary>Waits for a free slab for the next chunk (the hasher, and when relaying every reader, must be past the oldest).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a wait per chunk: its box is reused, not allocated
    public async ValueTask<byte[]?> RentAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_phase == FillPhase.Failed)
                {
                    return null;
                }

                if (_window.TryRent(_readers.DroppableBefore(_hashed, _fileEnd), out var slab))
                {
                    return slab;
                }

                wait = Signal(ref _space);
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    public void ReturnUnused(byte[] slab)
    {
        lock (_gate)
        {
            _window.Return(slab);
        }
    }

    /// <summary>Publishes a chunk: <paramref name="inFile"/> says whether its bytes reached the file.</summary>
    public void Append(byte[] slab, int count, bool inFile)
    {
        lock (_gate)
        {
            if (!inFile && _fileEnd == long.MaxValue)
            {
                _fileEnd = _received; // the disk refused this chunk: from here on the window is the only copy
                _phase = FillPhase.Relaying;
            }

            _window.Append(slab, count);
            _received += count;
            Wake(ref _data);
        }
    }

    /// <summary>The body ended after <see cref="Received"/> bytes; false when that contradicts the length.</summary>
    public bool EndOfBody()
    {
        lock (_gate)
        {
            _endOfBody = true;
            _length ??= _received;
            Wake(ref _data);
            return _length == _received;
        }
    }

    /// <summary>
    /// For the hasher: the unhashed bytes at <see cref="_hashed"/>, waiting for them; empty once the body
    /// ended and everything is hashed, or the fill failed. The memory stays valid until <see cref="Hashed"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a wait per chunk: its box is reused, not allocated
    public async ValueTask<ReadOnlyMemory<byte>> NextToHashAsync()
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_phase == FillPhase.Failed || (_endOfBody && _hashed == _received))
                {
                    return ReadOnlyMemory<byte>.Empty;
                }

                if (_hashed < _received)
                {
                    return _window.Slice(_hashed);
                }

                wait = Signal(ref _data);
            }

            await wait;
        }
    }

    public void Hashed(int count)
    {
        lock (_gate)
        {
            _hashed += count;
            Wake(ref _space);
        }
    }

    /// <summary>Every byte checked: readers may read the last one.</summary>
    public void Verify()
    {
        lock (_gate)
        {
            _phase = FillPhase.Verified;
            Wake(ref _data);
        }
    }

    /// <summary>Ends a verified fill: kept under its digest, or not.</summary>
    public void Finish(bool kept)
    {
        lock (_gate)
        {
            _phase = kept && _fileEnd == long.MaxValue ? FillPhase.Published : FillPhase.Unkept;
            Wake(ref _data);
        }
    }

    /// <summary>Fails the fill: every reader is cut off, the producer and hasher stop. Ignored once verified.</summary>
    public void Fail(UpstreamFailure failure)
    {
        lock (_gate)
        {
            if (_phase.IsComplete() || _phase == FillPhase.Failed)
            {
                return;
            }

            _phase = FillPhase.Failed;
            _failure = failure;
            Wake(ref _data);
            Wake(ref _space);
        }

        _started.TrySetResult(failure);
    }

    /// <summary>
    /// Reads at the reader's position, waiting for bytes that have not arrived: from the window while it
    /// still holds them (a reader that keeps up with the producer never touches the file), otherwise from
    /// the file. Copies run outside the lock. 0 at the verified end.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a wait per chunk: its box is reused, not allocated
    public async ValueTask<FillRead> ReadAsync(FillReader reader, Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            ReadOnlyMemory<byte> held;
            int fromFile;
            lock (_gate)
            {
                if (_phase == FillPhase.Failed)
                {
                    return FillRead.Failed(_failure!);
                }

                var readable = _phase.IsComplete() ? _received : Math.Max(0, _received - 1);
                var available = readable - reader.Position;
                held = available > 0 ? _window.Slice(reader.Position) : ReadOnlyMemory<byte>.Empty;
                fromFile = 0;
                wait = Task.CompletedTask;
                if (!held.IsEmpty)
                {
                    // Caught up with the producer: copy from memory. The pin keeps the chunk from being
                    // dropped while the copy runs outside the lock.
                    held = held[..(int)Math.Min(Math.Min(held.Length, available), destination.Length)];
                    reader.Pinned = true;
                }
                else if (available > 0 && reader.Position < _fileEnd)
                {
                    fromFile = (int)Math.Min(Math.Min(available, _fileEnd - reader.Position), destination.Length);
                }
                else if (available > 0)
                {
                    return FillRead.Failed(new UpstreamFailure(UpstreamFailureKind.Invalid, $"relayed bytes at {reader.Position} are no longer held"));
                }
                else if (_phase.IsComplete())
                {
                    return FillRead.End;
                }
                else
                {
                    wait = Signal(ref _data);
                }
            }

            if (!held.IsEmpty)
            {
                held.CopyTo(destination);
                lock (_gate)
                {
                    reader.Position += held.Length;
                    reader.Pinned = false;
                    Wake(ref _space); // the producer may be waiting for this chunk to be dropped
                }

                return FillRead.Bytes(held.Length);
            }

            if (fromFile > 0)
            {
                // Behind the window: the page cache holds what was written, so a synchronous read is a
                // copy, not a wait, and no thread-pool hop is paid for it.
                var read = RandomAccess.Read(reader.Handle!, destination.Span[..fromFile], reader.Position);
                if (read == 0)
                {
                    return FillRead.Failed(new UpstreamFailure(UpstreamFailureKind.Invalid, "the fill's file ended before the bytes written to it"));
                }

                reader.Position += read;
                return FillRead.Bytes(read);
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The fill ended: the window's slabs go back to the pool once no reader (nor a request about to open one) can need them.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _ended = true;
            DisposeWindowIfUnused();
        }
    }

    /// <summary>Once the fill ended, the slabs go back when no reader and no reader-to-be can need them. Caller holds the lock.</summary>
    private void DisposeWindowIfUnused()
    {
        if (_ended && _readers.IsEmpty)
        {
            _window.Dispose();
        }
    }

    private static Task Signal(ref TaskCompletionSource? signal) =>
        (signal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private static void Wake(ref TaskCompletionSource? signal)
    {
        var waiting = signal;
        signal = null;
        waiting?.TrySetResult();
    }
}

/// <summary>One read of a fill: a count of bytes (0 at the verified end), or why the fill failed.</summary>
internal readonly record struct FillRead(int Count, UpstreamFailure? Failure)
{
    public static FillRead End => default;

    public static FillRead Bytes(int count) => new(count, null);

    public static FillRead Failed(UpstreamFailure failure) => new(0, failure);
}
