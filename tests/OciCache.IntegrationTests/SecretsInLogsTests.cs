using System.Net;
using System.Text.RegularExpressions;

namespace OciCache.IntegrationTests;

/// <summary>
/// The real executable (built, like the appliance, with runtime resource keys instead of messages): a
/// password in an upstream URL is never printed, and upstream failures are described in plain text, not
/// with the runtime's resource keys or exception messages.
/// </summary>
public sealed partial class SecretsInLogsTests : IDisposable
{
    private const string Password = "s3cret-pass-4711";

    private readonly TempDirectory _temp = new("secrets");

    [Fact]
    public async Task UpstreamUrlWithPassword_NeverPrinted_AndFailuresArePlainText()
    {
        // The upstream answers a manifest's headers, then resets the connection in the middle of its body.
        using var upstream = new ResettingServer(new byte[4096], cutAt: 16);
        var url = upstream.Url.Replace("http://", $"http://site-user:{Password}@", StringComparison.Ordinal);
        await using var server = await OciCacheProcess.StartAsync(_temp.Path, ["--upstream", $"hub={url}"]);
        using var client = new HttpClient { BaseAddress = server.BaseUri };

        using var response = await client.GetAsync("/v2/library/app/manifests/latest?ns=hub");
        var body = await response.Content.ReadAsStringAsync();
        await server.WaitForOutputAsync("unusable manifest");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("site-user:***@127.0.0.1", await server.WaitForOutputAsync("mirroring"));
        Assert.DoesNotContain(Password, server.Output + body);
        Assert.False(ResourceKey().IsMatch(body), body);
        Assert.False(ResourceKey().IsMatch(server.Output), server.Output);
        Assert.Contains("connection reset", body);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>What the runtime prints instead of a message with UseSystemResourceKeys: <c>net_io_readfailure</c>, <c>net_http_…</c>.</summary>
    [GeneratedRegex(@"\b(net|IO|Arg|InvalidOperation|ObjectDisposed)_[A-Za-z_]+")]
    private static partial Regex ResourceKey();
}
