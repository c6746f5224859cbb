using System.Net.Sockets;
using System.Security.Authentication;

namespace OciCache.Upstream;

/// <summary>
/// Plain text for a failed transfer, made from what kind of failure it was, never from the runtime's
/// message: the shipped build replaces messages with resource keys (<c>UseSystemResourceKeys</c>, so
/// <c>net_io_readfailure</c>), and messages may carry internals. It goes into logs and error details.
/// </summary>
internal static class FailureText
{
    public static string Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DestinationRefusedException or RedirectRefusedException)
            {
                return e.Message; // our own text
            }

            if (e is SocketException socket)
            {
                return Describe(socket.SocketErrorCode);
            }
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AuthenticationException:
                    return "TLS handshake failed";
                case HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http:
                    return Describe(http.HttpRequestError);
                case HttpIOException { HttpRequestError: not HttpRequestError.Unknown } io:
                    return Describe(io.HttpRequestError);
            }
        }

        return exception switch
        {
            OperationCanceledException => "cancelled",
            IOException => "transfer failed",
            HttpRequestException => "request failed",
            _ => "transfer failed (" + exception.GetType().Name + ")",
        };
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset",
        SocketError.ConnectionAborted or SocketError.Shutdown => "connection aborted",
        SocketError.TimedOut => "connection timed out",
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host name not resolved",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown or SocketError.HostDown => "network unreachable",
        _ => "socket error " + error,
    };

    private static string Describe(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "host name not resolved",
        HttpRequestError.ConnectionError => "connection failed",
        HttpRequestError.SecureConnectionError => "TLS handshake failed",
        HttpRequestError.HttpProtocolError => "HTTP protocol error",
        HttpRequestError.VersionNegotiationError => "HTTP version negotiation failed",
        HttpRequestError.InvalidResponse => "invalid HTTP response",
        HttpRequestError.ResponseEnded => "response ended early",
        HttpRequestError.ConfigurationLimitExceeded => "response exceeds a configured limit",
        HttpRequestError.ProxyTunnelError => "proxy tunnel failed",
        HttpRequestError.UserAuthenticationError => "authentication failed",
        _ => "request failed (" + error + ")",
    };
}
