using System.Globalization;

namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// The GC settings compiled into the published binary (src/OciCache/OciCache.csproj), seen from outside
/// through /metrics: the heap hard limit shrinks the GC's address-space reservation from tens of GB to
/// a few hundred MB, and the small gen0 budget makes the start-up collect at least once.
/// </summary>
public sealed class GcSettingsTests
{
    [Fact]
    public async Task PublishedBinary_HasTheCompiledInHeapLimitAndGen0Budget()
    {
        using var temp = new TempDirectory("gc");
        await using var cache = await OciCacheProcess.StartAsync(temp.Combine("data"), command: [ApplianceBuild.Executable("linux-x64")]);

        using var client = new HttpClient();
        var metrics = await client.GetStringAsync(new Uri(cache.BaseUri, "/metrics"));

        // Without the limit the GC reserves 256 GB (or what the address space allows): tens of GB virtual.
        Assert.InRange(Sample(metrics, "process_virtual_memory_bytes"), 0, 4L << 30);
        // With the default gen0 budget (sized from the L3 cache) the start-up allocates without a collection.
        Assert.InRange(Sample(metrics, "dotnet_collection_count_total{generation=\"0\"}"), 1, long.MaxValue);
    }

    private static long Sample(string metrics, string name)
    {
        var line = metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return (long)double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
