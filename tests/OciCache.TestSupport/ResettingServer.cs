using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace OciCache.Testing;

/// <summary>
/// An HTTP server that announces a body, sends only the first <c>cutAt</c> bytes of it and resets the
/// connection (RST). WireMock always completes the bodies it sends, so this plays the upstream (or CDN)
/// whose connection dies in the middle of a blob. The reset goes out only once the client's kernel
/// acknowledged every byte sent before it, so the client receives exactly <c>cutAt</c> bytes of the body.
/// </summary>
public sealed class ResettingServer : IDisposable
{
    /// <summary>Linux <c>SIOCOUTQ</c> (= <c>TIOCOUTQ</c>): bytes in a socket's send queue, not yet acknowledged.</summary>
    private const nuint SiocOutq = 0x5411;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public ResettingServer(byte[] body, int cutAt)
    {
        _listener.Start();
        _ = Task.Run(async () =>
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

                Interlocked.Increment(ref _connections);
                _ = ServeAsync(socket, body, cutAt);
            }
        });
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int Connections => Volatile.Read(ref _connections);

    private static async Task ServeAsync(Socket socket, byte[] body, int cutAt)
    {
        using (socket)
        {
            var buffer = new byte[8192];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n"))
            {
                var read = await socket.ReceiveAsync(buffer);
                if (read == 0)
                {
                    return;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head));
            await socket.SendAsync(body.AsMemory(0, cutAt));
            await UntilAcknowledgedAsync(socket);
            socket.LingerState = new LingerOption(true, 0); // close with RST, not FIN
        }
    }

    /// <summary>
    /// Waits until the send queue is empty: a reset discards what is still queued, and the client is to
    /// get every byte that was sent. Bounded, so a client that stopped reading cannot hang the server.
    /// </summary>
    private static async Task UntilAcknowledgedAsync(Socket socket)
    {
        var watch = Stopwatch.StartNew();
        while (Unacknowledged(socket) > 0 && watch.Elapsed < Eventually.DefaultTimeout)
        {
            await Task.Delay(5); // polls the kernel's count; the client reads at its own pace
        }
    }

    private static int Unacknowledged(Socket socket) =>
        Ioctl((int)socket.SafeHandle.DangerousGetHandle(), SiocOutq, out var queued) == 0 ? queued : 0;

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, nuint request, out int value);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
