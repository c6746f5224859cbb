namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// What an idle appliance keeps resident. OpenSSL (libcrypto, libssl) is loaded on first use: by the first
/// blob hashed, TLS, or a token signed. A server that only started and answered <c>/v2/</c> has not used it.
/// The console's asset names once hashed with SHA-256 at start, which mapped 3.3 MiB of libcrypto for nothing.
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
}
