using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OciCache.Testing;

/// <summary>
/// An upstream that answers every request with its response headers at once and holds the body until
/// <see cref="ReleaseBody"/>: a registry whose storage or CDN is slow to start sending, or stalls after
/// the headers.
/// </summary>
public sealed class HeadersFirstServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _body;
    private readonly string _digest;
    private int _bodiesSent;

    public HeadersFirstServer(byte[] body, string digest)
    {
        _body = body;
        _digest = digest;
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Bodies that went out so far.</summary>
    public int BodiesSent => Volatile.Read(ref _bodiesSent);

    public void ReleaseBody() => _release.TrySetResult();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        await using (var stream = new NetworkStream(socket))
        {
            try
            {
                var head = await ReadRequestHeadAsync(stream);
                var isHead = head.StartsWith("HEAD ", StringComparison.Ordinal);
                var headers = $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {_body.Length}\r\n" +
                              $"Docker-Content-Digest: {_digest}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(headers), _stop.Token);
                await stream.FlushAsync(_stop.Token);
                if (isHead)
                {
                    return;
                }

                await _release.Task.WaitAsync(_stop.Token);
                await stream.WriteAsync(_body, _stop.Token);
                Interlocked.Increment(ref _bodiesSent);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // The cache went away or the test ended.
            }
        }
    }

    private async Task<string> ReadRequestHeadAsync(Stream stream)
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer, _stop.Token) == 0)
            {
                throw new IOException("the client closed before its request was complete");
            }

            head.Append((char)buffer[0]);
        }

        return head.ToString();
    }
}
