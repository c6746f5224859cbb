using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using OciCache.Cli;
using OciCache.Tls;

namespace OciCache.Tests.Tls;

/// <summary><c>ocicache tls init</c>: what the site CA and the server certificate are, and what a re-run keeps.</summary>
public sealed class TlsInitTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new("tls-init");
    private readonly FakeTimeProvider _time = new(Now);
    private readonly StringWriter _output = new();
    private readonly StringWriter _errors = new();

    private SiteFiles Files => new(_temp.Path);

    [Fact]
    public void Init_Fresh_CaIsACaOfP256ValidTenYears()
    {
        Assert.Equal(0, Init(["ocicache.lan", "10.0.0.5"]));

        using var ca = X509Certificate2.CreateFromPemFile(Files.CaCertificate, Files.CaKey);
        var constraints = Assert.Single(ca.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority && constraints.Critical);
        Assert.True(constraints.HasPathLengthConstraint && constraints.PathLengthConstraint == 0);
        var usage = Assert.Single(ca.Extensions.OfType<X509KeyUsageExtension>());
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.Equal(ca.Subject, ca.Issuer);
        Assert.Equal(Now.AddDays(3650).UtcDateTime, ca.NotAfter.ToUniversalTime());
        using var key = ca.GetECDsaPublicKey()!;
        Assert.Equal(256, key.KeySize);
        Assert.Equal("1.2.840.10045.3.1.7", key.ExportParameters(false).Curve.Oid.Value); // P-256
    }

    [Fact]
    public void Init_Fresh_ServerCertificateChainsToTheCa_WithExactlyTheGivenNames()
    {
        Assert.Equal(0, Init(["ocicache.lan", "10.0.0.5", "cache", "fd00::5"], days: 90));

        using var ca = X509CertificateLoader.LoadCertificateFromFile(Files.CaCertificate);
        using var server = X509Certificate2.CreateFromPemFile(Files.ServerCertificate, Files.ServerKey);
        var san = Assert.Single(server.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["ocicache.lan", "cache"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Parse("10.0.0.5"), IPAddress.Parse("fd00::5")], san.EnumerateIPAddresses());
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, Assert.Single(server.Extensions.OfType<X509KeyUsageExtension>()).KeyUsages);
        var eku = Assert.Single(server.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        Assert.False(Assert.Single(server.Extensions.OfType<X509BasicConstraintsExtension>()).CertificateAuthority);
        Assert.Equal(Now.AddDays(90).UtcDateTime, server.NotAfter.ToUniversalTime());
        Assert.Equal(ca.Subject, server.Issuer);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = Now.AddDays(1).UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        Assert.True(chain.Build(server), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(ca.Thumbprint, chain.ChainElements[^1].Certificate.Thumbprint);

        // server.crt is the leaf, then the CA.
        var inFile = new X509Certificate2Collection();
        inFile.ImportFromPemFile(Files.ServerCertificate);
        Assert.Equal([server.Thumbprint, ca.Thumbprint], inFile.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Init_KeyFiles_AreReadableByTheOwnerOnly()
    {
        Assert.Equal(0, Init(["ocicache.lan"]));

        Assert.True(OperatingSystem.IsLinux());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, OperatingSystem.IsLinux() ? File.GetUnixFileMode(Files.CaKey) : default);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, OperatingSystem.IsLinux() ? File.GetUnixFileMode(Files.ServerKey) : default);
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(Files.ServerCertificate));
        Assert.Contains(Files.ServerCertificate, _output.ToString());
        Assert.Contains(Files.ServerKey, _output.ToString());
        Assert.Contains($"CA (created, valid until 2036-02-27): {Files.CaCertificate}", _output.ToString());
    }

    [Fact]
    public void Init_Again_KeepsTheCa_IssuesANewServerCertificateForTheNewNames()
    {
        Assert.Equal(0, Init(["ocicache.lan"]));
        var caBefore = File.ReadAllText(Files.CaCertificate);
        using var first = X509CertificateLoader.LoadCertificateFromFile(Files.ServerCertificate);

        Assert.Equal(0, Init(["ocicache.lan", "10.0.0.7"]));

        Assert.Equal(caBefore, File.ReadAllText(Files.CaCertificate));
        using var second = X509CertificateLoader.LoadCertificateFromFile(Files.ServerCertificate);
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.Equal([IPAddress.Parse("10.0.0.7")], second.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
        Assert.Contains("CA (kept", _output.ToString());
    }

    [Fact]
    public void Init_Force_ReplacesTheCa()
    {
        Assert.Equal(0, Init(["ocicache.lan"]));
        var caBefore = File.ReadAllText(Files.CaCertificate);

        Assert.Equal(0, Init(["ocicache.lan"], force: true));

        Assert.NotEqual(caBefore, File.ReadAllText(Files.CaCertificate));
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Files.CaCertificate);
        using var server = X509CertificateLoader.LoadCertificateFromFile(Files.ServerCertificate);
        Assert.Equal(ca.Subject, server.Issuer);
    }

    [Fact]
    public void Init_CaKeyMissing_RefusesWithExit2_AndWritesNothing()
    {
        Assert.Equal(0, Init(["ocicache.lan"]));
        File.Delete(Files.CaKey);
        var serverBefore = File.ReadAllText(Files.ServerCertificate);

        Assert.Equal(2, Init(["ocicache.lan"]));

        Assert.Contains("only one of ca.crt and ca.key", _errors.ToString());
        Assert.Equal(serverBefore, File.ReadAllText(Files.ServerCertificate));
    }

    [Theory]
    [InlineData("ocicache.lan", true)]
    [InlineData("10.0.0.5", true)]
    [InlineData("fd00::5", true)]
    [InlineData("*.site.lan", true)]
    [InlineData("under_score.lan", false)]
    [InlineData("bad host", false)]
    [InlineData("-x.lan", false)]
    [InlineData("", false)]
    public void IsValidHost_NamesAndAddresses(string host, bool valid) => Assert.Equal(valid, SiteAuthority.IsValidHost(host));

    public void Dispose() => _temp.Dispose();

    private int Init(string[] hosts, int days = 825, bool force = false) =>
        TlsCommand.Init(Files, hosts, TimeSpan.FromDays(days), force, _time, _output, _errors);
}
