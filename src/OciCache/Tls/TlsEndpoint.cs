using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace OciCache.Tls;

/// <summary>
/// Turns the <c>Listen</c> endpoint into HTTPS with HTTP/1.1 and HTTP/2 (ALPN) when <c>Tls</c> is set, with
/// the protocols and suites of <see cref="TlsPolicy"/>; failed handshakes go to <see cref="HandshakeFailures"/>.
/// </summary>
internal static class TlsEndpoint
{
    private static readonly List<SslApplicationProtocol> Protocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    /// <summary>Adds TLS to <paramref name="listen"/>; the certificate is taken per handshake from <see cref="ServerCertificate"/>.</summary>
    public static void Configure(ListenOptions listen, TlsSettings settings)
    {
        if (!settings.Enabled)
        {
            return;
        }

        var certificate = listen.ApplicationServices.GetRequiredService<ServerCertificate>();
        var failures = listen.ApplicationServices.GetRequiredService<HandshakeFailures>();
        listen.Protocols = HttpProtocols.Http1AndHttp2;
        listen.Use(next => connection => failures.WatchAsync(connection, next));
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = context =>
            {
                HandshakeFailures.HelloReceived(context.Connection, context.ClientHelloInfo.SslProtocols);
                return ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = certificate.CurrentContext,
                    ApplicationProtocols = Protocols,
                    ClientCertificateRequired = false,
                    EnabledSslProtocols = TlsPolicy.Protocols,
                    CipherSuitesPolicy = TlsPolicy.CipherSuitesPolicy,
                });
            },
        });
        listen.Use(next => connection => HandshakeFailures.MarkCompleted(connection, next));
    }
}
