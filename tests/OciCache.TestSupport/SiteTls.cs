using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace OciCache.Testing;

/// <summary>
/// The files of <c>ocicache tls init</c> (run as a command, the way a site runs it) and clients that trust
/// its CA and nothing else: no test turns certificate checks off.
/// </summary>
public sealed class SiteTls
{
    private SiteTls(string dataPath)
    {
        Folder = Path.Combine(dataPath, "tls");
    }

    public string Folder { get; }

    public string CaCertificate => Path.Combine(Folder, "ca.crt");

    public string ServerCertificate => Path.Combine(Folder, "server.crt");

    public string ServerKey => Path.Combine(Folder, "server.key");

    /// <summary>The environment that turns HTTPS on for an <c>ocicache serve</c> process.</summary>
    public Dictionary<string, string> Environment => new()
    {
        ["OCICACHE_TLS__CERTIFICATE"] = ServerCertificate,
        ["OCICACHE_TLS__KEY"] = ServerKey,
    };

    /// <summary>Runs <c>tls init --data DATA --host …</c> (again: a new server certificate, the CA kept).</summary>
    /// <param name="command">The program, e.g. a published appliance binary; null for the one built beside the tests.</param>
    public static async Task<SiteTls> InitAsync(string dataPath, IReadOnlyList<string> hosts, string? command = null, params string[] extra)
    {
        var tls = new SiteTls(dataPath);
        await tls.RenewAsync(hosts, command, extra);
        return tls;
    }

    public async Task RenewAsync(IReadOnlyList<string> hosts, string? command = null, params string[] extra)
    {
        var arguments = new List<string> { "tls", "init", "--data", Path.GetDirectoryName(Folder)! };
        foreach (var host in hosts)
        {
            arguments.AddRange(["--host", host]);
        }

        var result = await ProcessRunner.RunAsync(command ?? OciCacheProcess.Executable, [.. arguments, .. extra]);
        if (result.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"ocicache tls init failed: {result}");
        }
    }

    /// <summary>The serial number of the server certificate in the files now.</summary>
    public string FileSerial()
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(ServerCertificate);
        return certificate.SerialNumber;
    }

    /// <summary>An HttpClient that trusts only the site CA and speaks exactly <paramref name="version"/>.</summary>
    public HttpClient Client(Uri baseUri, Version version) =>
        new(new SocketsHttpHandler { SslOptions = ClientOptions() })
        {
            BaseAddress = baseUri,
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(2),
        };

    /// <summary>A fresh handshake with <paramref name="baseUri"/>: the certificate it presents (validated against the CA) and the ALPN result.</summary>
    public async Task<(X509Certificate2 Certificate, SslApplicationProtocol Protocol)> HandshakeAsync(Uri baseUri)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseUri.Host, baseUri.Port);
        await using var ssl = new SslStream(tcp.GetStream());
        var options = ClientOptions();
        options.TargetHost = baseUri.Host;
        options.ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
        await ssl.AuthenticateAsClientAsync(options);
        return (new X509Certificate2(ssl.RemoteCertificate!), ssl.NegotiatedApplicationProtocol);
    }

    private SslClientAuthenticationOptions ClientOptions()
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(CaCertificate));
        return new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
    }
}
