using System.Net;
using System.Net.Sockets;

namespace OciCache.Benchmarks.Infra;

internal static class FreePort
{
    /// <summary>A free TCP port on 127.0.0.1 (free when asked; bound soon after by a child).</summary>
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
