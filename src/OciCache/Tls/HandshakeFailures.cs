using Microsoft.AspNetCore.Connections;
using OciCache.Observability;
using System.Security.Authentication;

namespace OciCache.Tls;

/// <summary>
/// Counts and logs TLS handshakes that did not complete: one Debug line each (never the exception and its
/// stack trace: a scanner or a client with an old TLS stack would otherwise fill the log), and the count
/// <c>ocicache_tls_handshake_failures_total</c> by <c>reason</c>.
/// </summary>
/// <remarks>
/// Kestrel's HTTPS middleware ends a failed handshake without telling the connection's other middleware,
/// so the endpoint is built as watch → HTTPS → <see cref="MarkCompleted"/> → HTTP: a connection that comes
/// back to the watch without having passed the mark never completed its handshake.
/// <code>
///   no_hello   closed (or timed out) before a ClientHello arrived
///   protocol   the ClientHello offered no TLS 1.2 or 1.3
///   refused    anything after the ClientHello: no common suite (CBC, PSK-only), an alert, a timeout
/// </code>
/// </remarks>
internal sealed partial class HandshakeFailures
{
    private readonly TallyCounter _failures;
    private readonly ILogger _logger;

    public HandshakeFailures(CacheMetrics metrics, ILogger<HandshakeFailures> logger)
    {
        _failures = metrics.Declare("tls_handshake_failures",
            "TLS handshakes that did not complete, by reason: no_hello, protocol (nothing TLS 1.2 or newer offered), refused (no common suite, an alert, a timeout).",
            null, "reason");
        _logger = logger;
    }

    /// <summary>The outermost connection middleware: runs the rest, and records the connection when its handshake did not complete.</summary>
    public async Task WatchAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var handshake = new Handshake();
        connection.Features.Set(handshake);
        try
        {
            await next(connection);
        }
        catch (Exception e) when (!handshake.Completed)
        {
            // Kestrel logs and swallows the usual handshake failures; anything else ends here as one line too.
            Record(connection, handshake, e.GetType().Name);
            return;
        }

        if (!handshake.Completed)
        {
            Record(connection, handshake, null);
        }
    }

    /// <summary>Called with each ClientHello (the handshake callback): what the client offered.</summary>
    public static void HelloReceived(ConnectionContext connection, SslProtocols offered)
    {
        if (connection.Features.Get<Handshake>() is { } handshake)
        {
            handshake.Offered = offered;
        }
    }

    /// <summary>The connection middleware right after HTTPS: reached only once the handshake completed.</summary>
    public static Task MarkCompleted(ConnectionContext connection, ConnectionDelegate next)
    {
        if (connection.Features.Get<Handshake>() is { } handshake)
        {
            handshake.Completed = true;
        }

        return next(connection);
    }

    private void Record(ConnectionContext connection, Handshake handshake, string? error)
    {
        var reason = handshake.Offered switch
        {
            null => "no_hello",
            { } offered when (offered & TlsPolicy.Protocols) == 0 => "protocol",
            _ => "refused",
        };
        _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        LogFailed(_logger, connection.RemoteEndPoint?.ToString() ?? "?", reason, handshake.Offered?.ToString() ?? "nothing", error ?? "-");
    }

    private sealed class Handshake
    {
        public SslProtocols? Offered { get; set; }

        public bool Completed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "TLS handshake from {Remote} failed: {Reason} (offered {Offered}, error {Error})")]
    private static partial void LogFailed(ILogger logger, string remote, string reason, string offered, string error);
}
