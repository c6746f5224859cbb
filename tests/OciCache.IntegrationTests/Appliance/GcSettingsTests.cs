using System.Globalization;

namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// The GC settings of the published binary, seen from outside through /metrics and the start-up log. No
/// heap limit is compiled in (src/OciCache/OciCache.csproj): the appliance's unit sets one for a 1 GB board
/// (appliance/ocicache.service), which shrinks the GC's address-space reservation from tens of GB to a few
/// hundred MB; without it the limit follows the machine. The small gen0 budget is compiled in and makes the
/// start-up collect at least once.
/// </summary>
public sealed class GcSettingsTests
{
    [Fact]
    public async Task PublishedBinary_WithTheUnitsHeapLimit_TakesItAndHasTheGen0Budget()
    {
        using var temp = new TempDirectory("gc");
        var (name, value) = UnitEnvironment("DOTNET_GCHeapHardLimit");
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), command: [ApplianceBuild.Executable("linux-x64")],
            environment: new Dictionary<string, string> { [name] = value });

        using var client = new HttpClient();
        var metrics = await client.GetStringAsync(new Uri(cache.BaseUri, "/metrics"));

        Assert.Equal((128, name), HeapLimitTests.HeapLimit(await cache.WaitForOutputAsync("GC heap limit")));
        // Without a limit the GC reserves 256 GB (or what the address space allows): tens of GB virtual.
        Assert.InRange(Sample(metrics, "process_virtual_memory_bytes"), 0, 4L << 30);
        // With the default gen0 budget (sized from the L3 cache) the start-up allocates without a collection.
        Assert.InRange(Sample(metrics, "dotnet_collection_count_total{generation=\"0\"}"), 1, long.MaxValue);
    }

    [Fact]
    public async Task PublishedBinary_WithoutASetting_HeapLimitFollowsTheMachine()
    {
        using var temp = new TempDirectory("gc-default");
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), command: [ApplianceBuild.Executable("linux-x64")],
            environment: new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "", ["DOTNET_GCHeapHardLimitPercent"] = "" });

        var (limit, source) = HeapLimitTests.HeapLimit(await cache.WaitForOutputAsync("GC heap limit"));

        Assert.Equal("the machine's or cgroup's memory", source);
        Assert.True(limit > 128, $"{limit} MiB");
    }

    /// <summary>The value an <c>Environment=NAME=VALUE</c> line of appliance/ocicache.service sets.</summary>
    private static (string Name, string Value) UnitEnvironment(string name)
    {
        var unit = File.ReadAllLines(ApplianceBuild.Path("appliance", "ocicache.service"));
        var line = Assert.Single(unit, l => l.StartsWith($"Environment={name}=", StringComparison.Ordinal));
        return (name, line[$"Environment={name}=".Length..]);
    }

    private static long Sample(string metrics, string name)
    {
        var line = metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return (long)double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
