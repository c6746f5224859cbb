using System.Net;
using System.Net.Sockets;

namespace OciCache.Testing;

/// <summary>
/// An address where connections hang as on a WAN link that went dark (packets vanish, nothing answers):
/// a listener that never accepts, with its accept queue filled, so the kernel drops every further SYN
/// and a connect waits until its timeout.
/// </summary>
public sealed class BlackholeServer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _fillers = [];

    public BlackholeServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(0);
        // Fill the accept queue (its length is the backlog plus one) and a bit more, then check it holds.
        for (var i = 0; i < 4; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
            try
            {
                filler.Connect(_listener.LocalEndPoint!);
            }
            catch (SocketException)
            {
                // in progress (EINPROGRESS) or dropped: either way it occupies or probes the queue
            }

            _fillers.Add(filler);
        }
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    public void Dispose()
    {
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _listener.Dispose();
    }
}
