using OciCache.Cli;
using OciCache.Hosting;
using OciCache.Tls;

namespace OciCache.Tests.Tls;

/// <summary><c>Tls:Certificate</c> and <c>Tls:Key</c> are checked at start: both or neither, files that exist and load.</summary>
public sealed class TlsSettingsTests : IDisposable
{
    private readonly TempDirectory _temp = new("tls-settings");
    private readonly SiteFiles _files;

    public TlsSettingsTests()
    {
        _files = new SiteFiles(_temp.Path);
        Assert.Equal(0, TlsCommand.Init(_files, ["localhost"], TimeSpan.FromDays(30), false, TimeProvider.System, TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public void Load_BothFiles_Accepted()
    {
        var settings = Load(_files.ServerCertificate, _files.ServerKey);

        Assert.Equal(_files.ServerCertificate, settings.Tls.Certificate);
        Assert.True(settings.Tls.Enabled);
    }

    [Theory]
    [InlineData(true, "Tls:Key")]
    [InlineData(false, "Tls:Certificate")]
    public void Load_OnlyOneOfTheTwo_FailsNamingTheMissingKey(bool certificateSet, string missing)
    {
        var error = Assert.Throws<SettingsException>(() => Load(certificateSet ? _files.ServerCertificate : null, certificateSet ? null : _files.ServerKey));

        Assert.Equal($"{missing}: Tls:Certificate and Tls:Key go together, {missing} is not set.", Assert.Single(error.Errors));
    }

    [Fact]
    public void Load_MissingCertificateFile_FailsNamingTheKeyAndPath()
    {
        var missing = _temp.Combine("nope.crt");

        var error = Assert.Throws<SettingsException>(() => Load(missing, _files.ServerKey));

        Assert.Equal($"Tls:Certificate: '{missing}' does not exist.", Assert.Single(error.Errors));
    }

    [Fact]
    public void Load_MissingKeyFile_FailsNamingTheKey()
    {
        var error = Assert.Throws<SettingsException>(() => Load(_files.ServerCertificate, _temp.Combine("nope.key")));

        Assert.StartsWith("Tls:Key: ", Assert.Single(error.Errors));
    }

    [Fact]
    public void Load_CertificateFileNotPem_FailsNamingTheCertificate()
    {
        var junk = _temp.Combine("junk.crt");
        File.WriteAllText(junk, "not a certificate\n");

        var error = Assert.Throws<SettingsException>(() => Load(junk, _files.ServerKey));

        Assert.Equal($"Tls:Certificate: '{junk}' holds no PEM certificate.", Assert.Single(error.Errors));
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_FailsNamingTheKey_WithoutItsContent()
    {
        // The CA's key does not belong to the server certificate.
        var error = Assert.Throws<SettingsException>(() => Load(_files.ServerCertificate, _files.CaKey));

        var message = Assert.Single(error.Errors);
        Assert.StartsWith($"Tls:Key: '{_files.CaKey}' holds no PEM private key that matches", message);
        var keyBody = File.ReadAllLines(_files.CaKey)[1];
        Assert.DoesNotContain(keyBody[..20], message);
    }

    [Fact]
    public void Load_TypoInTlsSection_NamesTheNearestKey()
    {
        var file = _temp.Combine("typo.json");
        File.WriteAllText(file, """{"Tls":{"Certificat":"/x"}}""");

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(file, new Dictionary<string, string?>()));

        Assert.EndsWith("the nearest known key is Tls:Certificate.", Assert.Single(error.Errors));
    }

    public void Dispose() => _temp.Dispose();

    private static OciCacheSettings Load(string? certificate, string? key)
    {
        var overrides = new Dictionary<string, string?>();
        if (certificate is not null)
        {
            overrides["Tls:Certificate"] = certificate;
        }

        if (key is not null)
        {
            overrides["Tls:Key"] = key;
        }

        return SettingsLoader.Load(null, overrides);
    }
}
