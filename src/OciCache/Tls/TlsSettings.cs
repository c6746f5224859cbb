using OciCache.Settings;

namespace OciCache.Tls;

/// <summary>
/// HTTPS on the <c>Listen</c> endpoint: a PEM certificate (the leaf first, then its chain) and its PEM
/// private key. Both or neither; with neither the endpoint serves plain HTTP. The files are read again
/// when they change (<see cref="ServerCertificate"/>), so a renewal needs no restart.
/// </summary>
public sealed record TlsSettings : ISettingsSection
{
    /// <summary>PEM certificate file, e.g. <c>&lt;data&gt;/tls/server.crt</c> from <c>ocicache tls init</c>.</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM private key file (PKCS#8, SEC1 or PKCS#1) of that certificate.</summary>
    public string? Key { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(Certificate) || !string.IsNullOrEmpty(Key);
}
