using System.Globalization;
using System.Text.RegularExpressions;

namespace OciCache.IntegrationTests;

/// <summary>
/// The GC heap limit belongs to the operator: the built <c>ocicache</c> forces none (a 64 GB host must not
/// stop at 128 MiB), follows the machine's or cgroup's memory by default, and takes
/// <c>DOTNET_GCHeapHardLimit</c> when it is set. The start-up log line tells which.
/// </summary>
public sealed partial class HeapLimitTests
{
    [Fact]
    public void BuiltBinary_RuntimeConfig_ForcesNoHeapLimit()
    {
        var config = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ocicache.runtimeconfig.json"));

        Assert.DoesNotContain("HeapHardLimit", config);
        Assert.Contains("\"System.GC.Server\": false", config); // the file read is the server's, with its other GC settings
    }

    [Fact]
    public async Task Serve_WithoutASetting_HeapLimitFollowsTheMachineOrCgroup()
    {
        using var temp = new TempDirectory("heap-default");
        var environment = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "", ["DOTNET_GCHeapHardLimitPercent"] = "" };
        await using var server = await OciCacheProcess.StartAsync(temp.Combine("data"), environment: environment);

        var (limit, source) = HeapLimit(await server.WaitForOutputAsync("GC heap limit"));

        Assert.Equal("the machine's or cgroup's memory", source);
        Assert.True(limit > 128, $"{limit} MiB: the heap limit should follow the machine ({GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20} MiB here), not 128 MiB");
    }

    [Fact]
    public async Task Serve_WithDotnetGCHeapHardLimit_UsesTheOperatorsLimit()
    {
        using var temp = new TempDirectory("heap-set");
        // Hex digits without "0x", as the appliance's unit writes it (Native AOT does not read "0x").
        var environment = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "6000000" };
        await using var server = await OciCacheProcess.StartAsync(temp.Combine("data"), environment: environment);

        var (limit, source) = HeapLimit(await server.WaitForOutputAsync("GC heap limit"));

        Assert.Equal(96, limit);
        Assert.Equal("DOTNET_GCHeapHardLimit", source);
    }

    internal static (long MiB, string Source) HeapLimit(string line)
    {
        var match = HeapLimitLine().Match(line);
        Assert.True(match.Success, line);
        return (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value);
    }

    [GeneratedRegex(@"GC heap limit (\d+) MiB \(from (.+)\)")]
    private static partial Regex HeapLimitLine();
}
