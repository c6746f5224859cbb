namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// What an idle appliance keeps resident. OpenSSL (libcrypto, libssl) is loaded on first use: by the first
/// blob hashed, TLS, or a token signed. A server that only started and answered <c>/v2/</c> has not used it.
/// The console's asset names once hashed with SHA-256 at start, which mapped 3.3 MiB of libcrypto for nothing;
/// with access control on, the token signer and the htpasswd file's comparison hash once did the same.
/// </summary>
public sealed class IdleFootprintTests
{
    [Fact]
    public async Task PublishedBinary_Idle_HasNotLoadedOpenSsl()
    {
        using var temp = new TempDirectory("idle");
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), command: [ApplianceBuild.Executable("linux-x64")]);
        using var client = new HttpClient();
        Assert.Equal("{}", await client.GetStringAsync(new Uri(cache.BaseUri, "/v2/")));
        Assert.Contains("<html", await client.GetStringAsync(new Uri(cache.BaseUri, "/")), StringComparison.OrdinalIgnoreCase);

        var maps = await File.ReadAllTextAsync($"/proc/{cache.Pid}/maps");
        Assert.DoesNotContain("libcrypto", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("libssl", maps, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishedBinary_IdleWithAccessControlAndSignIn_HasNotLoadedOpenSsl()
    {
        using var temp = new TempDirectory("idle-auth");
        var htpasswd = temp.Combine("htpasswd");
        await File.WriteAllTextAsync(htpasswd, $"alice:{BCrypt.Net.BCrypt.HashPassword("alice-pw", 5)}\n");
        // The issuer is contacted only while someone signs in: nothing listens there.
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), environment: new Dictionary<string, string>
        {
            ["OCICACHE_AUTH__HTPASSWD"] = htpasswd,
            ["OCICACHE_AUTH__ADMINGROUP"] = "admins",
            ["OCICACHE_AUTH__OIDC__ISSUER"] = $"http://127.0.0.1:{OidcProvider.FreePort()}",
            ["OCICACHE_AUTH__OIDC__CLIENTID"] = "ocicache",
            ["OCICACHE_AUTH__OIDC__CLIENTSECRET"] = "client-secret",
        }, command: [ApplianceBuild.Executable("linux-x64")]);
        using var client = new HttpClient();
        Assert.Equal("{}", await client.GetStringAsync(new Uri(cache.BaseUri, "/v2/"))); // anonymous pull, the default
        using var console = await client.GetAsync(new Uri(cache.BaseUri, "/ui/"));
        Assert.True(console.IsSuccessStatusCode || (int)console.StatusCode is >= 300 and < 400, $"{(int)console.StatusCode}\n{cache.Output}");

        var maps = await File.ReadAllTextAsync($"/proc/{cache.Pid}/maps");
        Assert.DoesNotContain("libcrypto", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("libssl", maps, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("data", "token-key.pem")), "the signing key is made by the first token, not at start");

        // The first token loads it.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(cache.BaseUri, "/token?scope=repository:site/app:pull"));
        request.Headers.Authorization = AuthSetup.Basic("alice", "alice-pw");
        using var token = await client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, token.StatusCode);
        Assert.True(File.Exists(temp.Combine("data", "token-key.pem")));
        Assert.Contains("libcrypto", await File.ReadAllTextAsync($"/proc/{cache.Pid}/maps"), StringComparison.Ordinal);
    }

    /// <summary>
    /// Start-up reads most of the executable (building the host, the container and the routes; the AOT data's
    /// compressed copy); an idle server runs a small part of it. Once start-up is done the server drops the
    /// executable's pages from its page tables (<c>StartupPages</c>), and only what it runs again comes back.
    /// Before that, about three quarters of the executable's read-only mappings stayed resident while idle.
    /// </summary>
    [Fact]
    public async Task PublishedBinary_Idle_KeepsLessThanHalfOfTheExecutableResident()
    {
        using var temp = new TempDirectory("idle-pages");
        var executable = ApplianceBuild.Executable("linux-x64");
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), ["--log-level", "Debug"], command: [executable]);
        await cache.WaitForOutputAsync("start-up pages released");
        using var client = new HttpClient();
        Assert.Equal("{}", await client.GetStringAsync(new Uri(cache.BaseUri, "/v2/")));
        Assert.Equal("ok", await client.GetStringAsync(new Uri(cache.BaseUri, "/healthz")));

        var (size, resident) = ExecutableMappings(await File.ReadAllTextAsync($"/proc/{cache.Pid}/smaps"), Path.GetFullPath(executable));
        Assert.True(size > 8 << 20, $"the executable's read-only mappings are {size} bytes: not the appliance binary?");
        Assert.True(resident < size / 2, $"{resident >> 10} KiB of the executable's {size >> 10} KiB of read-only mappings are resident while idle");
    }

    /// <summary>The size and the resident bytes of a file's mappings that are not writable.</summary>
    private static (long Size, long Resident) ExecutableMappings(string smaps, string path)
    {
        long size = 0, resident = 0;
        var ours = false;
        foreach (var line in smaps.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                ours = fields.Length >= 6 && fields[5] == path && fields[1][1] == '-';
                if (ours)
                {
                    var range = fields[0].Split('-');
                    size += Convert.ToInt64(range[1], 16) - Convert.ToInt64(range[0], 16);
                }
            }
            else if (ours && fields.Length >= 2 && fields[0] == "Rss:")
            {
                resident += long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) << 10;
            }
        }

        return (size, resident);
    }
}
