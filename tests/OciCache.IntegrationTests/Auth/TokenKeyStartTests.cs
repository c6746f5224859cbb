using OciCache.Hosting;

namespace OciCache.IntegrationTests.Auth;

/// <summary>
/// The token key is loaded at the first token (an idle server maps no OpenSSL), but a <c>token-key.pem</c>
/// that cannot be a key still stops the start, as it did when the key was loaded there: an operator learns it
/// from <c>serve</c>, not from a 500 on the first <c>docker login</c>. The check reads the file's PEM framing
/// only, and never quotes it.
/// </summary>
public sealed class TokenKeyStartTests
{
    [Fact]
    public void CorruptTokenKey_StopsTheStart_NamingTheFileWithoutItsContent()
    {
        using var data = new TempDirectory();
        using var auth = new AuthSetup(("olga", "olga-pw"));
        var path = Path.Combine(data.Path, "token-key.pem");
        File.WriteAllText(path, "-----BEGIN PRIVATE KEY-----\nnot-base64-at-all!\n-----END PRIVATE KEY-----\n");
        var settings = new OciCacheSettings { Listen = "127.0.0.1:0", Data = data.Path };
        auth.Configure()(settings);

        var error = Assert.Throws<SettingsException>(() => OciCacheApp.Build(settings));

        var message = Assert.Single(error.Errors);
        Assert.Contains(path, message);
        Assert.Contains("not a PEM private key", message);
        Assert.DoesNotContain("not-base64-at-all", message);
    }

    [Fact]
    public void WholeTokenKey_OrNone_Starts()
    {
        using var data = new TempDirectory();
        using var auth = new AuthSetup(("olga", "olga-pw"));
        var settings = new OciCacheSettings { Listen = "127.0.0.1:0", Data = data.Path };
        auth.Configure()(settings);
        using (var first = OciCacheApp.Build(settings))
        {
            Assert.False(File.Exists(Path.Combine(data.Path, "token-key.pem"))); // made at the first token, not here
        }

        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(data.Path, "token-key.pem"), key.ExportPkcs8PrivateKeyPem());
        using var second = OciCacheApp.Build(settings);
    }
}
