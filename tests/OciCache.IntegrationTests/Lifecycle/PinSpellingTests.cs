namespace OciCache.IntegrationTests.Lifecycle;

/// <summary>
/// A pin whose <c>*</c> crossed <c>/</c> (before pins shared the one pattern dialect) still starts the
/// server, read as it covered before, with one warning that names the setting and the new spelling.
/// </summary>
public sealed class PinSpellingTests : IDisposable
{
    private readonly TempDirectory _temp = new("pinspelling");

    [Fact]
    public async Task Serve_PinWithTheOldStar_StartsAndWarnsOnceWithTheNewSpelling()
    {
        await using var server = await OciCacheProcess.StartAsync(_temp.Combine("data"), environment: new Dictionary<string, string>
        {
            ["OCICACHE_STORAGE__PINS__0"] = "docker.io/library/*",
            ["OCICACHE_STORAGE__PINS__1"] = "registry.k8s.io/pause:*",
        });

        var line = await server.WaitForOutputAsync("Storage:Pins:");
        Assert.Contains("'docker.io/library/*' is read as 'docker.io/library/*/**'", line);
        Assert.Single(server.Output.Split('\n'), l => l.Contains("Storage:Pins:", StringComparison.Ordinal));
    }

    public void Dispose() => _temp.Dispose();
}
