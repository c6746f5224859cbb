using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace OciCache.Testing;

/// <summary>
/// A TCP relay that makes a link look like a WAN: every connection through it shares one rate limit,
/// and bytes are delivered a fixed one-way delay after they arrived (so a round trip costs twice it).
/// Used by tests that need a slow upstream, and by the benchmarks (where the kernel lacks netem).
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private const int ChunkSize = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly TokenBucket? _bucket;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stop = new();
    private long _bytesToClient;

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
    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    public static TcpRelay To(Uri target, long bytesPerSecond = 0, TimeSpan oneWayDelay = default) =>
        new(new IPEndPoint(IPAddress.Parse(target.Host == "localhost" ? "127.0.0.1" : target.Host), target.Port), bytesPerSecond, oneWayDelay);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
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

                await to.WriteAsync(bytes.AsMemory(0, count), cancellationToken);
                if (countDown)
                {
                    Interlocked.Add(ref _bytesToClient, count);
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
