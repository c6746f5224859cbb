namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// appliance/ocicache.service as systemd reads it. No systemd runs here, so <c>systemd-analyze verify</c>
/// checks the file (every key known, values parsed, the executable present) against the published binary.
/// </summary>
public sealed class UnitFileTests
{
    private static readonly string Unit = File.ReadAllText(ApplianceBuild.Path("appliance", "ocicache.service"));

    [Fact]
    public async Task SystemdAnalyzeVerify_ReportsNothing()
    {
        using var temp = new TempDirectory("unit");
        var unit = temp.Combine("ocicache.service");
        File.WriteAllText(unit, Unit.Replace("/usr/local/bin/ocicache", ApplianceBuild.Executable("linux-x64")));

        var result = await ProcessRunner.RunAsync("systemd-analyze", ["verify", "--man=no", unit]);

        // Unknown keys and bad values are warnings with exit code 0: any output is a failure.
        Assert.True(result.ExitCode == 0 && result.Stdout.Trim().Length == 0 && result.Stderr.Trim().Length == 0, result.ToString());
    }

    [Theory]
    [InlineData("Type=notify")]
    [InlineData("ExecStart=/usr/local/bin/ocicache serve --config /etc/ocicache/config.json")]
    [InlineData("Restart=on-failure")]
    [InlineData("User=ocicache")]
    [InlineData("StateDirectory=ocicache")]
    [InlineData("ProtectSystem=strict")]
    [InlineData("NoNewPrivileges=yes")]
    [InlineData("MemoryDenyWriteExecute=yes")]
    [InlineData("MemoryMax=384M")]
    [InlineData("Environment=DOTNET_GCHeapHardLimit=8000000")]
    public void Unit_HasTheSettingTheApplianceReliesOn(string line)
    {
        Assert.Contains(line, Unit.Split('\n').Select(l => l.Trim()));
    }
}
