using System.Net;
using System.Net.Security;
using OciCache.IntegrationTests.PullThrough;

namespace OciCache.IntegrationTests;

/// <summary>
/// The real server with the files of <c>ocicache tls init</c>: HTTPS with HTTP/2 and HTTP/1.1, a renewal
/// served without a restart, and real clients (containerd through the mirror, skopeo) that trust the site CA.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    private static readonly string[] Hosts = ["ocicache.test", "127.0.0.1"];
    private readonly TempDirectory _data = new("tls-data");
    private SiteTls _tls = null!;

    public async Task InitializeAsync() => _tls = await SiteTls.InitAsync(_data.Path, Hosts);

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("2.0")]
    [InlineData("1.1")]
    public async Task GetV2_OverHttps_AnswersInTheRequestedHttpVersion(string version)
    {
        await using var server = await StartAsync();
        Assert.Equal("https", server.BaseUri.Scheme);
        using var client = _tls.Client(server.BaseUri, Version.Parse(version));

        using var response = await client.GetAsync("/v2/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Version.Parse(version), response.Version);
        Assert.Equal("registry/2.0", response.Header("Docker-Distribution-API-Version"));
    }

    [Fact]
    public async Task Handshake_OffersH2ByAlpn_AndTheServerIsLoggedWithoutItsKey()
    {
        await using var server = await StartAsync();

        var (certificate, protocol) = await _tls.HandshakeAsync(server.BaseUri);

        Assert.Equal(SslApplicationProtocol.Http2, protocol);
        Assert.Equal(_tls.FileSerial(), certificate.SerialNumber);
        var line = Assert.Single(server.Log.Events, e => e.Message.StartsWith("HTTPS with the certificate", StringComparison.Ordinal)).Message;
        Assert.Contains("CN=ocicache.test", line);
        Assert.Contains("names ocicache.test, 127.0.0.1", line);
        Assert.DoesNotContain(File.ReadAllLines(_tls.ServerKey)[1][..20], server.Log.ToString());
    }

    [Fact]
    public async Task Renewal_TlsInitAgain_IsServedWithoutARestart()
    {
        await using var server = await StartAsync();
        var before = (await _tls.HandshakeAsync(server.BaseUri)).Certificate.SerialNumber;
        Assert.Equal(_tls.FileSerial(), before);

        await _tls.RenewAsync(Hosts);
        var renewed = _tls.FileSerial();
        Assert.NotEqual(before, renewed);

        // Each probe is a new connection, so it sees what a new client would; the server checks the files every few seconds.
        await Eventually.ValueAsync(async () => (await _tls.HandshakeAsync(server.BaseUri)).Certificate.SerialNumber == renewed ? "" : null,
            $"the renewed certificate {renewed} is presented");
        using var client = _tls.Client(server.BaseUri, HttpVersion.Version20);
        using var response = await client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Containerd_PullsThroughTheMirrorOverHttps_WithTheCaInHostsToml()
    {
        await using var dockerHub = await DistributionRegistry.StartAsync();
        await using var cache = await CacheServer.StartAsync("docker.io", dockerHub.BaseUri.ToString(), UseTls);
        await using var containerd = await Containerd.StartAsync();
        var mirror = $"https://127.0.0.1:{cache.BaseUri.Port}";
        Directory.CreateDirectory(Path.Combine(containerd.HostsDir, "docker.io"));
        File.WriteAllText(Path.Combine(containerd.HostsDir, "docker.io", "hosts.toml"), $"""
            server = "{dockerHub.BaseUri.ToString().TrimEnd('/')}"

            [host."{mirror}"]
              capabilities = ["pull", "resolve"]
              ca = "{_tls.CaCertificate}"
            """);
        var image = TestImage.Create(layers: 2, layerBytes: 256 << 10, seed: 1701);
        await dockerHub.Client.PushImageAsync("library/secure", "1.0", image);

        await containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", containerd.HostsDir, "--snapshotter", "native", "docker.io/library/secure:1.0");

        Assert.Contains(image.Digest.ToString(), await containerd.CtrCheckedAsync("images", "ls"));
        foreach (var blob in image.Blobs)
        {
            // Fetched once, by the cache: containerd did not fall back to the registry itself.
            var fetch = Assert.Single(dockerHub.Log.Split('\n'), l => l.Contains("\"GET ") && l.Contains($"/blobs/{blob.Digest}"));
            Assert.Contains("ocicache/", fetch);
        }

        Assert.True(cache.Log.Contains(Serilog.Events.LogEventLevel.Information, "/v2/library/secure/manifests/1.0"), cache.Log.ToString());
    }

    [Fact]
    public async Task Skopeo_PullsOverHttps_WithTheCaInItsCertDir_AndRefusesWithoutIt()
    {
        await using var server = await StartAsync();
        using var client = _tls.Client(server.BaseUri, HttpVersion.Version11);
        var image = TestImage.Create(layers: 2, seed: 1702);
        await client.PushImageAsync("site/secure", "1.0", image);
        using var certs = new TempDirectory("skopeo-certs");
        File.Copy(_tls.CaCertificate, certs.Combine("ocicache-ca.crt"));
        using var layout = new TempDirectory("skopeo-oci");
        var source = $"docker://127.0.0.1:{server.BaseUri.Port}/site/secure:1.0";

        var untrusted = await ProcessRunner.RunAsync("skopeo", ["--insecure-policy", "copy", source, $"oci:{layout.Path}:untrusted"]);
        Assert.True(untrusted.ExitCode != 0 && untrusted.Stderr.Contains("certificate", StringComparison.Ordinal), untrusted.ToString());

        var result = await ProcessRunner.RunAsync("skopeo", ["--insecure-policy", "copy", "--src-cert-dir", certs.Path, "--preserve-digests",
            source, $"oci:{layout.Path}:1.0"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var blob in image.Blobs.Append(image.Manifest))
        {
            Assert.Equal(blob.Bytes, File.ReadAllBytes(Path.Combine(layout.Path, "blobs", "sha256", blob.Hex)));
        }
    }

    /// <summary>
    /// skopeo and podman read every <c>*.key</c> in a <c>--cert-dir</c> as a client key, so the tls folder
    /// itself fails there (<c>missing client certificate ca.cert for key ca.key</c>); the folder tls init
    /// names for clients holds the CA alone.
    /// </summary>
    [Fact]
    public async Task TlsInit_PrintsAClientCertDir_HoldingOnlyTheCa_SkopeoPullsOverHttpsWithIt()
    {
        var init = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["tls", "init", "--data", _data.Path, "--host", Hosts[0], "--host", Hosts[1]]);
        Assert.True(init.ExitCode == 0, init.ToString());
        var clientDir = Path.Combine(_tls.Folder, "client");
        Assert.Contains($"--cert-dir {clientDir}", init.Stdout);
        Assert.Equal(["ca.crt"], Directory.GetFiles(clientDir).Select(Path.GetFileName));
        Assert.Equal(File.ReadAllText(_tls.CaCertificate), File.ReadAllText(Path.Combine(clientDir, "ca.crt")));

        await using var server = await StartAsync();
        using var client = _tls.Client(server.BaseUri, HttpVersion.Version11);
        var image = TestImage.Create(layers: 1, seed: 1703);
        await client.PushImageAsync("site/certdir", "1.0", image);
        using var layout = new TempDirectory("skopeo-certdir");
        var source = $"docker://127.0.0.1:{server.BaseUri.Port}/site/certdir:1.0";

        var result = await ProcessRunner.RunAsync("skopeo", ["--insecure-policy", "copy", "--src-cert-dir", clientDir, "--preserve-digests",
            source, $"oci:{layout.Path}:1.0"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(image.Manifest.Bytes, File.ReadAllBytes(Path.Combine(layout.Path, "blobs", "sha256", image.Manifest.Hex)));
        var inspected = await ProcessRunner.RunAsync("skopeo", ["inspect", "--cert-dir", clientDir, source]);
        Assert.True(inspected.ExitCode == 0, inspected.ToString());
    }

    [Fact]
    public async Task TlsInit_WithAConfigThatNamesTheFilesBeforeTheyExist_WritesThem()
    {
        using var temp = new TempDirectory("tls-config");
        var data = temp.Combine("data");
        var config = temp.Combine("config.json");
        File.WriteAllText(config, $$$"""{"Data":"{{{data}}}","Tls":{"Certificate":"{{{data}}}/tls/server.crt","Key":"{{{data}}}/tls/server.key"}}""");

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["tls", "init", "--config", config, "--host", "ocicache.test"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"\"Certificate\": \"{data}/tls/server.crt\"", result.Stdout);
        Assert.True(File.Exists(Path.Combine(data, "tls", "server.key")));
    }

    [Theory]
    [InlineData("bad host", "--host: 'bad host' is neither a DNS name nor an IP address.")]
    [InlineData(null, "--host")]
    public async Task TlsInit_BadOrNoHost_RefusedNamingTheFlag_WritesNothing(string? host, string message)
    {
        using var temp = new TempDirectory("tls-bad");
        string[] hosts = host is null ? [] : ["--host", host];

        var result = await ProcessRunner.RunAsync(OciCacheProcess.Executable, ["tls", "init", "--data", temp.Path, .. hosts]);

        Assert.True(result.ExitCode != 0 && result.Stderr.Contains(message, StringComparison.Ordinal), result.ToString());
        Assert.False(Directory.Exists(temp.Combine("tls")));
    }

    [Fact]
    public async Task ConsoleOverview_OverHttps_SaysWhenTheServedCertificateExpires()
    {
        await using var server = await StartAsync();
        using var client = _tls.Client(server.BaseUri, HttpVersion.Version11);
        using var served = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(_tls.ServerCertificate);

        using var overview = await WebConsole.ConsoleApiTests.GetJsonAsync(client, "/api/overview");

        var notAfter = overview.RootElement.GetProperty("server").GetProperty("certificateNotAfter").GetDateTimeOffset();
        Assert.Equal(new DateTimeOffset(served.NotAfter.ToUniversalTime(), TimeSpan.Zero), notAfter);
        Assert.Contains("expires", await client.GetStringAsync("/ui/overview"));
    }

    private Task<RegistryServer> StartAsync() => RegistryServer.StartAsync(UseTls, dataPath: _data.Combine("server"));

    private void UseTls(OciCache.Hosting.OciCacheSettings settings)
    {
        settings.Tls.Certificate = _tls.ServerCertificate;
        settings.Tls.Key = _tls.ServerKey;
    }
}
