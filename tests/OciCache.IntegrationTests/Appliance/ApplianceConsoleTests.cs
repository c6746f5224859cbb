using System.Net;
using System.Text.Json;

namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// The published appliance binary (Native AOT, trimmed) serves the console: every page, its embedded assets,
/// and the JSON API over real content (a pushed image's tags and platforms, the traffic history in SQLite).
/// </summary>
public sealed class ApplianceConsoleTests
{
    [Fact]
    public async Task PublishedBinary_ServesEveryConsolePageAssetAndApiAnswer()
    {
        using var temp = new TempDirectory("aot-console");
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), command: [ApplianceBuild.Executable("linux-x64")]);
        using var client = new HttpClient { BaseAddress = cache.BaseUri };
        var image = TestImage.Create(layers: 1, seed: 1360);
        await client.PushImageAsync("site/app", "v1", image);

        foreach (var page in new[] { "/ui/overview", "/ui/storage", "/ui/repositories", "/ui/repositories/site/app", "/ui/prefetch", "/ui/admin" })
        {
            using var response = await client.GetAsync(page);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page}: {(int)response.StatusCode} {body}\n{cache.Output}");
            Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
            foreach (var asset in System.Text.RegularExpressions.Regex.Matches(body, "\"(/ui/assets/[^\"]+)\"").Select(m => m.Groups[1].Value).Distinct())
            {
                using var served = await client.GetAsync(asset);
                Assert.True(served.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)served.StatusCode}");
            }
        }

        using var tags = JsonDocument.Parse(await client.GetStringAsync("/api/repositories/site/app/tags"));
        var tag = Assert.Single(tags.RootElement.GetProperty("tags").EnumerateArray());
        Assert.Equal(image.Manifest.Digest.ToString(), tag.GetProperty("digest").GetString());
        Assert.Equal([$"{image.Os}/{image.Architecture}"], tag.GetProperty("platforms").EnumerateArray().Select(p => p.GetString()));
        foreach (var api in new[] { "/api/overview", "/api/history?range=24h", "/api/history?range=7d", "/api/storage", "/api/repositories", "/api/prefetch", "/api/robots", "/api/audit" })
        {
            using var response = await client.GetAsync(api);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{api}: {(int)response.StatusCode} {body}\n{cache.Output}");
            using var _ = JsonDocument.Parse(body);
        }
    }
}
