using System.Net.Security;
using System.Security.Authentication;

namespace OciCache.Tls;

/// <summary>
/// What the HTTPS endpoint accepts, whatever the system's OpenSSL would: TLS 1.2 and 1.3, and AEAD suites
/// with forward secrecy only. TLS 1.3 has nothing else; for TLS 1.2 that is ECDHE with AES-GCM or
/// ChaCha20-Poly1305, for ECDSA keys (<c>ocicache tls init</c>) and RSA keys (a site's own CA). No CBC
/// (MAC-then-encrypt), no static RSA key exchange, no PSK or anonymous suites. Every client of a registry
/// in use today (containerd, Docker, podman, skopeo, browsers) offers these; see Mozilla's "intermediate"
/// configuration, https://wiki.mozilla.org/Security/Server_Side_TLS.
/// </summary>
internal static class TlsPolicy
{
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>The suites, in the server's order of preference (Linux: OpenSSL applies it to both versions).</summary>
    public static readonly IReadOnlyList<TlsCipherSuite> CipherSuites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    /// <summary>
    /// One policy object for every handshake: on Linux it carries the OpenSSL cipher strings built from the
    /// list. Windows (not a target; SChannel takes no such policy) keeps its system's suites.
    /// </summary>
    public static readonly CipherSuitesPolicy? CipherSuitesPolicy = OperatingSystem.IsWindows() ? null : new(CipherSuites);
}
