using System.Text.Json;
using OciCache.IntegrationTests.WebConsole;

namespace OciCache.IntegrationTests.Trust;

/// <summary>The console and its API show per tag where the image stands against the rule, only where a rule covers.</summary>
public sealed class TrustConsoleTests : IAsyncLifetime
{
    private TrustSetup _trust = null!;
    private RegistryServer _server = null!;

    public async Task InitializeAsync()
    {
        _trust = await TrustSetup.CreateAsync();
        _server = await RegistryServer.StartAsync(_trust.Rule("site/**"));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _trust.Dispose();
    }

    [Fact]
    public async Task Tags_ShowSignedByKey_Unsigned_Invalid_AndNothingOutsideTheRule()
    {
        var signed = TestImage.Create(layers: 1, seed: 2350);
        var unsigned = TestImage.Create(layers: 1, seed: 2351);
        var invalid = TestImage.Create(layers: 1, seed: 2352);
        await _server.Client.PushImageAsync("site/app", "signed", signed);
        await _server.Client.PushImageAsync("site/app", "unsigned", unsigned);
        await _server.Client.PushImageAsync("site/app", "invalid", invalid);
        await _server.Client.PushImageAsync("other/app", "v1", unsigned);
        await TrustSetup.SignAsync(_server.Client, "site/app", signed.Digest, _trust.Ci);
        await TrustSetup.SignAsync(_server.Client, "site/app", invalid.Digest, _trust.Stranger);

        using var tags = await ConsoleApiTests.GetJsonAsync(_server.Client, "/api/repositories/site/app/tags");
        var labels = tags.RootElement.GetProperty("tags").EnumerateArray()
            .ToDictionary(t => t.GetProperty("tag").GetString()!, t => t.GetProperty("signature").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["signed"] = "signed by ci", ["unsigned"] = "unsigned", ["invalid"] = "invalid" }, labels);

        using var outside = await ConsoleApiTests.GetJsonAsync(_server.Client, "/api/repositories/other/app/tags");
        Assert.All(outside.RootElement.GetProperty("tags").EnumerateArray(), t => Assert.False(t.TryGetProperty("signature", out _)));

        var page = await _server.Client.GetStringAsync("/ui/repositories/site/app");
        Assert.Contains("<dt>Signature</dt><dd class=\"signed\">signed by ci</dd>", page);
        Assert.Contains("<dd class=\"unsigned\">invalid</dd>", page);
        Assert.DoesNotContain("<dt>Signature</dt>", await _server.Client.GetStringAsync("/ui/repositories/other/app"));
    }
}
