using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace OciCache.Tls;

/// <summary>
/// The files of <c>ocicache tls init</c> in <c>&lt;data&gt;/tls/</c>:
/// <code>
///  tls/
///   ca.crt       the site CA (PEM): what every client trusts
///   ca.key       its private key (PKCS#8 PEM, mode 0600): signs the next server certificate
///   server.crt   the server certificate, then the CA (PEM): Tls:Certificate
///   server.key   its private key (PKCS#8 PEM, mode 0600): Tls:Key
///   client/
///    ca.crt      the site CA again, alone: a --cert-dir for skopeo and podman, which take every
///                *.key in that folder for a client key and fail on ca.key
/// </code>
/// Each file is written beside its place and renamed into it, so a running server never reads half a file;
/// the key is renamed before the certificate, whose change the server then sees with its key in place.
/// </summary>
internal sealed class SiteFiles(string dataFolder)
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public string Folder { get; } = Path.GetFullPath(Path.Combine(dataFolder, "tls"));

    public string CaCertificate => Path.Combine(Folder, "ca.crt");

    public string CaKey => Path.Combine(Folder, "ca.key");

    public string ServerCertificate => Path.Combine(Folder, "server.crt");

    public string ServerKey => Path.Combine(Folder, "server.key");

    /// <summary>The folder clients are given (<c>--cert-dir</c>): the CA certificate and nothing else.</summary>
    public string ClientFolder => Path.Combine(Folder, "client");

    public bool HasCa => File.Exists(CaCertificate) && File.Exists(CaKey);

    /// <summary>The CA of an earlier run, with its key; null with a reason when the files are not a CA.</summary>
    public X509Certificate2? TryLoadCa(out string error)
    {
        try
        {
            using var ephemeral = X509Certificate2.CreateFromPemFile(CaCertificate, CaKey);
            if (!SiteAuthority.IsCa(ephemeral))
            {
                error = $"{CaCertificate} is not a CA certificate (no basicConstraints CA with keyCertSign)";
                return null;
            }

            error = "";
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            error = $"{CaCertificate} and {CaKey} do not load as a certificate and its key ({e.Message})";
            return null;
        }
    }

    public void WriteCa(X509Certificate2 ca)
    {
        Directory.CreateDirectory(Folder);
        Write(CaKey, KeyPem(ca), Private);
        Write(CaCertificate, ca.ExportCertificatePem() + "\n", Public);
    }

    /// <summary>Copies the CA certificate into <see cref="ClientFolder"/> (again when it was kept, for folders of older versions).</summary>
    public void WriteClientCa(X509Certificate2 ca)
    {
        Directory.CreateDirectory(ClientFolder);
        Write(Path.Combine(ClientFolder, "ca.crt"), ca.ExportCertificatePem() + "\n", Public);
    }

    public void WriteServer(X509Certificate2 server, X509Certificate2 ca)
    {
        Directory.CreateDirectory(Folder);
        Write(ServerKey, KeyPem(server), Private);
        Write(ServerCertificate, server.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n", Public);
    }

    private static string KeyPem(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("an ECDSA certificate without its key");
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    private static void Write(string path, string text, UnixFileMode mode)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode; // the key is private from its first byte, not chmod-ed afterwards
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
