using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OciCache.Tls;

/// <summary>
/// A site CA and the server certificates it issues, for sites without a PKI (<c>ocicache tls init</c>):
/// ECDSA P-256 throughout, built with <see cref="CertificateRequest"/> only.
/// </summary>
/// <remarks>
/// The CA may sign end-entity certificates only (path length 0, keyCertSign and cRLSign). A server
/// certificate carries exactly the given DNS names and IP addresses as SANs (clients match only those;
/// the subject CN is informational), serverAuth, digitalSignature (ECDHE-ECDSA needs nothing else), and
/// both key identifiers so chains build by key, not by name.
/// </remarks>
internal static class SiteAuthority
{
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);

    /// <summary>A clock skew margin: certificates are valid from an hour before they were made.</summary>
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    public static X509Certificate2 CreateCa(string name, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(name)}, O=OciCache"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now - Backdate, now + CaLifetime);
    }

    /// <param name="ca">The CA with its private key.</param>
    /// <param name="hosts">DNS names and IP addresses; the first is also the subject's CN.</param>
    /// <returns>The certificate with its private key.</returns>
    public static X509Certificate2 IssueServer(X509Certificate2 ca, IReadOnlyList<string> hosts, TimeSpan lifetime, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(hosts[0])}"), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            if (TryParseAddress(host, out var address))
            {
                names.AddIpAddress(address);
            }
            else
            {
                names.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "serverAuth")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        // Never past the CA's own end: a chain is only as valid as its shortest link.
        var notAfter = now + lifetime < ca.NotAfter ? now + lifetime : new DateTimeOffset(ca.NotAfter);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive INTEGER, as RFC 5280 4.1.2.2 asks
        using var issued = request.Create(ca, now - Backdate, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>True when <paramref name="certificate"/> may sign certificates (basicConstraints CA and keyCertSign).</summary>
    public static bool IsCa(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority) &&
        certificate.Extensions.OfType<X509KeyUsageExtension>().Any(k => k.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign));

    /// <summary>A host name is valid as a SAN: an IP address, or a DNS name of letters, digits, hyphens and dots (a leading <c>*.</c> allowed).</summary>
    public static bool IsValidHost(string host)
    {
        if (TryParseAddress(host, out _))
        {
            return true;
        }

        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        return name.Length is > 0 and <= 253 && name.Split('.').All(label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' &&
            label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
    }

    /// <summary>An IPv4 address in four dotted parts or an IPv6 address (IPAddress alone would take "10" for 0.0.0.10).</summary>
    public static bool TryParseAddress(string host, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address) =>
        IPAddress.TryParse(host, out address) && (host.Contains(':') || host.Count(c => c == '.') == 3);

    private static string Escape(string value) => value.Replace("\"", "", StringComparison.Ordinal).Replace(",", " ", StringComparison.Ordinal);
}
