using System.Net;

namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// The published appliance binary (Native AOT, trimmed) makes its own site CA and serves HTTPS with it:
/// nothing that TLS needs (PEM import, ECDSA, SslStream with ALPN) was trimmed away.
/// </summary>
public sealed class ApplianceTlsTests
{
    [Fact]
    public async Task PublishedBinary_TlsInitThenServe_AnswersV2OverHttp2AndHttp11()
    {
        using var temp = new TempDirectory("aot-tls");
        var binary = ApplianceBuild.Executable("linux-x64");
        var tls = await SiteTls.InitAsync(temp.Combine("data"), ["127.0.0.1"], binary);
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), environment: tls.Environment, command: [binary]);
        Assert.Equal("https", cache.BaseUri.Scheme);

        foreach (var version in new[] { HttpVersion.Version20, HttpVersion.Version11 })
        {
            using var client = tls.Client(cache.BaseUri, version);
            using var response = await client.GetAsync("/v2/");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(version, response.Version);
        }

        Assert.Contains($"HTTPS with the certificate CN=127.0.0.1 (names 127.0.0.1", cache.Output);
        Assert.Equal(tls.FileSerial(), (await tls.HandshakeAsync(cache.BaseUri)).Certificate.SerialNumber);
    }
}
