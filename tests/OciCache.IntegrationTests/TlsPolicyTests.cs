using System.Globalization;
using System.Net;

namespace OciCache.IntegrationTests;

/// <summary>
/// The TLS policy of the real <c>ocicache serve</c> process against a TLS client that may offer anything
/// (<c>openssl s_client</c>): TLS 1.2 and 1.3 with AEAD suites only, and a refused handshake is one Debug
/// line and a count on <c>/metrics</c>, never a stack trace.
/// </summary>
public sealed class TlsPolicyTests : IAsyncLifetime
{
    private const string FailuresMetric = "ocicache_tls_handshake_failures_total";
    private readonly TempDirectory _data = new("tls-policy");
    private SiteTls _tls = null!;
    private OciCacheProcess _server = null!;

    public async Task InitializeAsync()
    {
        _tls = await SiteTls.InitAsync(_data.Path, ["ocicache.test", "127.0.0.1"]);
        _server = await OciCacheProcess.StartAsync(_data.Combine("data"), ["--log-level", "debug"], _tls.Environment);
        Assert.Equal("https", _server.BaseUri.Scheme);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _data.Dispose();
    }

    [Theory]
    [InlineData("TLSv1.3", "TLS_AES_128_GCM_SHA256", "-tls1_3")]
    [InlineData("TLSv1.3", "TLS_AES_256_GCM_SHA384", "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384")]
    [InlineData("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", "-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256")]
    [InlineData("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")]
    [InlineData("TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384")]
    [InlineData("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305")]
    public async Task Handshake_Tls13OrTls12WithAnAeadSuite_Succeeds(string protocol, string suite, params string[] options)
    {
        var result = await OpenSslClient.HandshakeAsync(_server.BaseUri, [.. options, "-CAfile", _tls.CaCertificate, "-verify_return_error"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Protocol version: {protocol}", result.Stderr);
        Assert.Contains($"Ciphersuite: {suite}", result.Stderr);
    }

    [Theory]
    // The client's own floor is lifted (SECLEVEL=0), so only the server can refuse.
    [InlineData("-tls1", "-cipher", "DEFAULT@SECLEVEL=0")]
    [InlineData("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")]
    // TLS 1.2 with CBC suites (MAC-then-encrypt) only.
    [InlineData("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA")]
    // TLS 1.2 with AES-CCM, an AEAD suite this policy does not list.
    [InlineData("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-CCM:ECDHE-ECDSA-AES256-CCM")]
    // A ClientHello that offers pre-shared-key suites only.
    [InlineData("-tls1_2", "-psk", "0123456789abcdef", "-cipher", "PSK")]
    public async Task Handshake_OldProtocolNonAeadOrPskOnly_IsRefused(params string[] options)
    {
        var result = await OpenSslClient.HandshakeAsync(_server.BaseUri, options);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.DoesNotContain("Protocol version:", result.Stderr);
    }

    [Fact]
    public async Task FailedHandshakes_AreOneDebugLineEach_WithoutAStackTrace_AndCounted()
    {
        const int Attempts = 20;
        string[][] refused =
        [
            ["-tls1_2", "-psk", "0123456789abcdef", "-cipher", "PSK"],
            ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"],
            ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
        ];
        using var client = _tls.Client(_server.BaseUri, HttpVersion.Version11);
        Assert.Equal(0, FailuresIn(await client.GetStringAsync("/metrics")));

        for (var i = 0; i < Attempts; i++)
        {
            var result = await OpenSslClient.HandshakeAsync(_server.BaseUri, refused[i % refused.Length]);
            Assert.True(result.ExitCode != 0, result.ToString());
        }

        // The count rises when the server has given up on the connection: wait for it, not for a time.
        await Eventually.ValueAsync(async () => FailuresIn(await client.GetStringAsync("/metrics")) == Attempts ? "" : null,
            $"{FailuresMetric} reaches {Attempts}");
        var lines = _server.Output.Split('\n');
        Assert.Equal(Attempts, lines.Count(l => l.Contains(" DBG TLS handshake", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", _server.Output);
        Assert.True(_server.Output.Length < 64 << 10, $"{_server.Output.Length} bytes of log");
        Assert.False(_server.HasExited);
    }

    private static long FailuresIn(string metrics) => metrics.Split('\n')
        .Where(l => l.StartsWith(FailuresMetric, StringComparison.Ordinal))
        .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
