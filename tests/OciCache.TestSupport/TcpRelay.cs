using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace OciCache.Testing;

/// <summary>
/// A TCP relay that makes a link look like a WAN: every connection through it shares one rate limit,
/// and bytes are delivered a fixed one-way delay after they arrived (so a round trip costs twice it).
/// Used by tests that need a slow upstream, and by the benchmarks (where the kernel lacks netem).
/// Tests can also stall the link on cue (<see cref="HoldAfter"/>) and await the bytes that crossed it
/// (<see cref="WhenBytesToClientAsync"/>), so "a fill well under way" is a fact, not a guess about time.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private const int ChunkSize = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly TokenBucket? _bucket;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<(long Bytes, TaskCompletionSource Reached)> _waiters = [];
    private long _bytesToClient;
    private long _holdAt = long.MaxValue;
    private TaskCompletionSource _released = Released();

    /// <param name="bytesPerSecond">Shared by all connections, each direction; 0 for unlimited.</param>
    /// <param name="oneWayDelay">Added to every byte in each direction.</param>
    public TcpRelay(IPEndPoint target, long bytesPerSecond = 0, TimeSpan oneWayDelay = default, IPEndPoint? listen = null)
    {
        _target = target;
        _bucket = bytesPerSecond > 0 ? new TokenBucket(bytesPerSecond) : null;
        _delay = oneWayDelay;
        _listener = new TcpListener(listen ?? new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Bytes relayed from the target back to clients (what crossed the "WAN" downstream).</summary>
    public long BytesToClient
    {
        get { lock (_gate) { return _bytesToClient; } }
    }

    public static TcpRelay To(Uri target, long bytesPerSecond = 0, TimeSpan oneWayDelay = default) =>
        new(new IPEndPoint(IPAddress.Parse(target.Host == "localhost" ? "127.0.0.1" : target.Host), target.Port), bytesPerSecond, oneWayDelay);

    /// <summary>Completes once at least <paramref name="bytes"/> in total were relayed back to clients.</summary>
    public Task WhenBytesToClientAsync(long bytes)
    {
        lock (_gate)
        {
            if (_bytesToClient >= bytes)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((bytes, waiter));
            return waiter.Task;
        }
    }

    /// <summary>
    /// Stalls the link towards clients once <paramref name="bytes"/> in total crossed it (as a WAN that
    /// stopped delivering), until <see cref="Release"/>. The task completes when the hold took effect.
    /// </summary>
    public Task HoldAfter(long bytes)
    {
        lock (_gate)
        {
            _holdAt = bytes;
            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return WhenBytesToClientAsync(bytes);
    }

    /// <summary>Lets held bytes flow again.</summary>
    public void Release()
    {
        TaskCompletionSource released;
        lock (_gate)
        {
            _holdAt = long.MaxValue;
            released = _released;
        }

        released.TrySetResult();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Release();
    }

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.TrySetResult();
        return released;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                client.NoDelay = upstream.NoDelay = true;
                await upstream.ConnectAsync(_target, _stop.Token);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = PumpAsync(client.GetStream(), upstream.GetStream(), countDown: false, linked.Token);
                var down = PumpAsync(upstream.GetStream(), client.GetStream(), countDown: true, linked.Token);
                await Task.WhenAny(up, down);
                await linked.CancelAsync();
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // A side hung up: so does the relay.
            }
        }
    }

    /// <summary>Reads chunks, stamps them with their due time, and writes them when due and paid for.</summary>
    private async Task PumpAsync(Stream from, Stream to, bool countDown, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<(long Due, byte[] Bytes, int Count)>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
        var writer = Task.Run(async () =>
        {
            await foreach (var (due, bytes, count) in queue.Reader.ReadAllAsync(cancellationToken))
            {
                var wait = Stopwatch.GetElapsedTime(0, due) - Stopwatch.GetElapsedTime(0, Stopwatch.GetTimestamp());
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                if (_bucket is not null)
                {
                    await _bucket.TakeAsync(count, cancellationToken);
                }

                if (countDown)
                {
                    await DeliverAsync(to, bytes.AsMemory(0, count), cancellationToken);
                }
                else
                {
                    await to.WriteAsync(bytes.AsMemory(0, count), cancellationToken);
                }
            }

            to.Close();
        }, cancellationToken);

        try
        {
            while (true)
            {
                var buffer = new byte[ChunkSize];
                var read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                var due = Stopwatch.GetTimestamp() + (long)(_delay.TotalSeconds * Stopwatch.Frequency);
                await queue.Writer.WriteAsync((due, buffer, read), cancellationToken);
            }
        }
        finally
        {
            queue.Writer.TryComplete();
        }

        await writer;
    }

    /// <summary>Writes bytes towards a client, stopping at a hold until it is released, and counts them.</summary>
    private async Task DeliverAsync(Stream to, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            int allowed;
            Task released;
            lock (_gate)
            {
                allowed = (int)Math.Min(bytes.Length, Math.Max(0, _holdAt - _bytesToClient));
                released = _released.Task;
            }

            if (allowed == 0)
            {
                await released.WaitAsync(cancellationToken);
                continue;
            }

            await to.WriteAsync(bytes[..allowed], cancellationToken);
            bytes = bytes[allowed..];
            Delivered(allowed);
        }
    }

    private void Delivered(int count)
    {
        var reached = new List<TaskCompletionSource>();
        lock (_gate)
        {
            _bytesToClient += count;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_bytesToClient >= _waiters[i].Bytes)
                {
                    reached.Add(_waiters[i].Reached);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in reached)
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>A shared byte budget refilled at a fixed rate; bursts up to 1/20 s of traffic.</summary>
    private sealed class TokenBucket(long bytesPerSecond)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly long _burst = Math.Max(ChunkSize, bytesPerSecond / 20);
        private double _tokens;
        private long _last = Stopwatch.GetTimestamp();

        public async Task TakeAsync(int count, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                while (true)
                {
                    var now = Stopwatch.GetTimestamp();
                    _tokens = Math.Min(_burst, _tokens + (now - _last) * (double)bytesPerSecond / Stopwatch.Frequency);
                    _last = now;
                    if (_tokens >= count)
                    {
                        _tokens -= count;
                        return;
                    }

                    var missing = (count - _tokens) / bytesPerSecond;
                    await Task.Delay(TimeSpan.FromSeconds(Math.Max(missing, 0.001)), cancellationToken);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
