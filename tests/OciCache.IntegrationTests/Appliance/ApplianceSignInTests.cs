using System.Net;
using System.Text.Json;

namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// The published appliance binary (Native AOT, trimmed) signs a person in through a real OIDC provider:
/// discovery, JWKS parsing, the RS256 signature check and the groups claim all survive trimming.
/// </summary>
public sealed class ApplianceSignInTests
{
    [Fact]
    public async Task PublishedBinary_OidcCodeFlow_SessionWithTheIssuersGroups()
    {
        using var temp = new TempDirectory("aot-signin");
        var port = OidcProvider.FreePort();
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), environment: new Dictionary<string, string>
        {
            ["OCICACHE_AUTH__ADMINGROUP"] = "admins",
            ["OCICACHE_AUTH__OIDC__ISSUER"] = OidcProvider.IssuerOn(port),
            ["OCICACHE_AUTH__OIDC__CLIENTID"] = OidcProvider.ClientId,
            ["OCICACHE_AUTH__OIDC__CLIENTSECRET"] = OidcProvider.ClientSecret,
        }, command: [ApplianceBuild.Executable("linux-x64")]);
        await using var provider = await OidcProvider.StartAsync(port, [new Uri(cache.BaseUri, "/ui/signin/callback").ToString()], groups: ["admins"]);
        using var browser = new OidcSignIn(cache.BaseUri);

        using var signedIn = await browser.SignInAsync(provider, "/ui/");

        Assert.True(signedIn.StatusCode == HttpStatusCode.SeeOther, $"{(int)signedIn.StatusCode} {await signedIn.Content.ReadAsStringAsync()}\n{cache.Output}");
        using var session = JsonDocument.Parse(await browser.Client.GetStringAsync("/api/session"));
        Assert.Equal("oidc:alice", session.RootElement.GetProperty("name").GetString());
        Assert.True(session.RootElement.GetProperty("admin").GetBoolean());
        Assert.DoesNotContain(provider.Password, cache.Output);
        Assert.DoesNotContain(OidcProvider.ClientSecret, cache.Output);
        Assert.Contains($"Console sign-in through the OIDC issuer {OidcProvider.IssuerOn(port)} as client {OidcProvider.ClientId}", cache.Output);
    }
}
