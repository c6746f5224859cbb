using System.Net.Sockets;
using System.Text;

namespace OciCache.Hosting;

/// <summary>
/// Readiness for systemd's <c>Type=notify</c>: sends <c>READY=1</c> once Kestrel listens and
/// <c>STOPPING=1</c> when a shutdown begins, one datagram each to the socket named by <c>NOTIFY_SOCKET</c>
/// (https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html). Without that variable, i.e.
/// when systemd did not start the process, it does nothing.
/// </summary>
internal sealed partial class SystemdNotifier(IHostApplicationLifetime lifetime, ILogger<SystemdNotifier> logger) : IHostedService
{
    public const string SocketVariable = "NOTIFY_SOCKET";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(SocketVariable) is { Length: > 0 } path)
        {
            // ApplicationStarted fires after every hosted service, the server included, has started.
            lifetime.ApplicationStarted.Register(() => Notify(path, "READY=1"));
            lifetime.ApplicationStopping.Register(() => Notify(path, "STOPPING=1"));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Notify(string path, string state)
    {
        // A leading '@' names a socket in the abstract namespace.
        var endPoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.ASCII.GetBytes(state), endPoint);
        }
        catch (SocketException e)
        {
            LogNotifyFailed(state, path, e.SocketErrorCode);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell systemd {State} through {Socket}: {Error}")]
    private partial void LogNotifyFailed(string state, string socket, SocketError error);
}
