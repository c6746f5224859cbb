using System.Threading.Channels;

namespace OciCache.Tests.PullThrough;

/// <summary>
/// An upstream response body the test feeds chunk by chunk: nothing arrives until <see cref="Send"/>,
/// <see cref="End"/> ends it, <see cref="Break"/> resets it. <see cref="WaitForPendingReadAsync"/>
/// completes once the fill is blocked on a read with nothing queued, the moment to move fake time.
/// </summary>
internal sealed class ControlledBody : Stream
{
    private readonly Channel<byte[]?> _chunks = Channel.CreateUnbounded<byte[]?>();
    private readonly object _gate = new();
    private TaskCompletionSource? _pending;
    private bool _blocked;
    private byte[]? _current;
    private int _offset;
    private bool _ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public void Send(ReadOnlySpan<byte> bytes) => Queue(bytes.ToArray());

    public void End() => Queue(null);

    public void Break()
    {
        lock (_gate)
        {
            _blocked = false;
            _chunks.Writer.TryComplete(new IOException("connection reset by upstream", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset)));
        }
    }

    private void Queue(byte[]? chunk)
    {
        lock (_gate)
        {
            _blocked = false; // the read it wakes is no longer waiting
            _chunks.Writer.TryWrite(chunk);
        }
    }

    /// <summary>Completes when a read waits with no byte queued (every byte sent so far was consumed).</summary>
    public Task WaitForPendingReadAsync()
    {
        lock (_gate)
        {
            return _blocked ? Task.CompletedTask : (_pending ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_ended)
            {
                return 0;
            }

            if (_current is not null && _offset < _current.Length)
            {
                var count = Math.Min(buffer.Length, _current.Length - _offset);
                _current.AsMemory(_offset, count).CopyTo(buffer);
                _offset += count;
                return count;
            }

            byte[]? next;
            TaskCompletionSource? pending = null;
            var mustWait = false;
            lock (_gate)
            {
                if (!_chunks.Reader.TryRead(out next))
                {
                    mustWait = true;
                    _blocked = true;
                    pending = _pending;
                    _pending = null;
                }
            }

            if (mustWait)
            {
                pending?.TrySetResult();
                try
                {
                    next = await _chunks.Reader.ReadAsync(cancellationToken);
                }
                catch (ChannelClosedException e) when (e.InnerException is IOException reset)
                {
                    throw new IOException(reset.Message, e); // as a socket reset surfaces from HttpClient
                }
            }

            if (next is null)
            {
                _ended = true;
                return 0;
            }

            _current = next;
            _offset = 0;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
