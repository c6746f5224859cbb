using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OciCache.Tls;

/// <summary>A certificate with its private key and chain, as loaded from a pair of PEM files.</summary>
internal sealed record LoadedCertificate(X509Certificate2 Leaf, X509Certificate2Collection Chain)
{
    public string Subject => Leaf.Subject;

    public string SerialNumber => Leaf.SerialNumber;

    /// <summary>The DNS names and IP addresses of the subject alternative name extension, comma-separated.</summary>
    public string Names =>
        Leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault() is { } san
            ? string.Join(", ", san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString())))
            : "none";
}

/// <summary>Reads a PEM certificate and key pair; every failure comes back as a message that names the setting.</summary>
internal static class CertificateFiles
{
    /// <summary>Loads the pair, or returns null with <paramref name="error"/> naming the key to fix.</summary>
    public static LoadedCertificate? TryLoad(string certificatePath, string keyPath, out string error)
    {
        if (!File.Exists(certificatePath))
        {
            error = $"Tls:Certificate: '{certificatePath}' does not exist.";
            return null;
        }

        if (!File.Exists(keyPath))
        {
            error = $"Tls:Key: '{keyPath}' does not exist.";
            return null;
        }

        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPemFile(certificatePath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            error = $"Tls:Certificate: '{certificatePath}' cannot be read as PEM certificates: {e.Message}";
            return null;
        }

        if (all.Count == 0)
        {
            error = $"Tls:Certificate: '{certificatePath}' holds no PEM certificate.";
            return null;
        }

        X509Certificate2 withKey;
        try
        {
            // A key imported from PEM is ephemeral. SslStream on Linux takes it as it is (checked with .NET 10:
            // the HTTPS tests pass without the round trip); Windows refuses it. The PKCS#12 round trip gives the
            // form every platform takes, for a few milliseconds per load.
            using var ephemeral = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            withKey = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The exception's text says nothing of the key's bytes; it is kept short on purpose.
            error = $"Tls:Key: '{keyPath}' holds no PEM private key that matches the first certificate of Tls:Certificate ({e.GetType().Name}).";
            return null;
        }

        var chain = new X509Certificate2Collection();
        foreach (var certificate in all.Skip(1))
        {
            chain.Add(certificate);
        }

        all[0].Dispose();
        error = "";
        return new LoadedCertificate(withKey, chain);
    }

    /// <summary>What changes when either file is replaced or rewritten: both files' modification times and sizes.</summary>
    public static FileStamp Stamp(string certificatePath, string keyPath) =>
        new(StampOf(certificatePath), StampOf(keyPath));

    private static (DateTime Modified, long Size) StampOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }
}

internal readonly record struct FileStamp((DateTime Modified, long Size) Certificate, (DateTime Modified, long Size) Key);
