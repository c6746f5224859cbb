using System.Net;
using System.Text.RegularExpressions;
using OciCache.IntegrationTests.PullThrough;

namespace OciCache.IntegrationTests.WebConsole;

/// <summary>The console's pages over HTTP: HTML with the security headers, assets from the binary, nothing from elsewhere.</summary>
public sealed partial class ConsolePagesTests
{
    public static readonly string[] Pages = ["/ui/overview", "/ui/storage", "/ui/repositories", "/ui/repositories/site/app", "/ui/prefetch", "/ui/admin"];

    [Fact]
    public async Task EveryPage_WithAccessControlOff_IsHtmlWithTheSecurityHeadersAndSaysReadOnly()
    {
        using var hub = FakeUpstream.Start();
        await using var server = await CacheServer.StartAsync("pages.test", hub.Url);
        await server.Client.PushImageAsync("site/app", "v1", TestImage.Create(layers: 1, seed: 1320));

        foreach (var page in Pages)
        {
            using var response = await server.Client.GetAsync(page);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page}: {(int)response.StatusCode} {body}");
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("Read-only: access control is off", body);
            Assert.DoesNotContain("style=", body);
            Assert.DoesNotContain("<script>", body);
            Assert.All(UrlAttribute().Matches(body), m => Assert.StartsWith("/", m.Groups[1].Value));
        }
    }

    [Fact]
    public async Task Root_RedirectsToTheOverview_AndItsAssetsAreServedCachedFromTheBinary()
    {
        await using var server = await RegistryServer.StartAsync();
        using var root = await server.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/ui/overview", root.Headers.Location?.ToString());

        var html = await server.Client.GetStringAsync("/ui/overview");
        var assets = UrlAttribute().Matches(html).Select(m => m.Groups[1].Value).Where(u => u.StartsWith("/ui/assets/", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Equal(3, assets.Count); // the stylesheet, the script, the icon
        foreach (var asset in assets)
        {
            using var response = await server.Client.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("immutable", response.Headers.CacheControl?.ToString());
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100, asset);
            using var again = new HttpRequestMessage(HttpMethod.Get, asset);
            again.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag!.ToString());
            using var notModified = await server.Client.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }
    }

    [GeneratedRegex("(?:src|href|action)=\"([^\"]*)\"")]
    private static partial Regex UrlAttribute();
}
