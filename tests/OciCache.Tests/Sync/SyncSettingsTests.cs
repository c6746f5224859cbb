using OciCache.Hosting;
using OciCache.Sync;

namespace OciCache.Tests.Sync;

public sealed class SyncSettingsTests : IDisposable
{
    private readonly TempDirectory _temp = new("sync-settings");

    [Fact]
    public void Load_Job_BindsEveryKeyWithDefaults()
    {
        var settings = Load("""
            {"Upstreams":{"hq":{"Url":"https://hq.example"}},
             "Sync":{"Jobs":[
               {"Upstream":"hq","Repositories":["warehouse/**","other/c"],"Tags":{"Semver":">=1.4 <2"},"Platforms":["linux/arm64"],"Referrers":true,"Pin":true},
               {"Name":"nightly","Upstream":"hq","Repositories":["tools/x"],"Tags":{"Regex":"nightly-.*"},"Interval":"01:00:00"}]}}
            """);

        var (first, second) = (settings.Sync.Jobs[0], settings.Sync.Jobs[1]);
        Assert.Equal("hq-0", first.NameOrDefault(0));
        Assert.Equal(["warehouse/**", "other/c"], first.Repositories);
        Assert.Equal(">=1.4 <2", first.Tags.Semver);
        Assert.Equal(["linux/arm64"], first.Platforms);
        Assert.Equal(TimeSpan.FromMinutes(15), first.Interval);
        Assert.True(first.Referrers && first.Pin);
        Assert.Equal("nightly", second.NameOrDefault(1));
        Assert.Equal("nightly-.*", second.Tags.Regex);
        Assert.Equal(TimeSpan.FromHours(1), second.Interval);
        Assert.False(second.Referrers || second.Pin);
        Assert.Equal(["hq/warehouse/*", "hq/other/c"], SyncJob.PinPatterns(settings.Sync.Jobs));
    }

    [Theory]
    [InlineData("""{"Upstream":"elsewhere","Repositories":["a"]}""", "Sync:Jobs:0:Upstream: 'elsewhere' is not a configured upstream")]
    [InlineData("""{"Upstream":"hq","Repositories":[]}""", "Sync:Jobs:0:Repositories: name at least one")]
    [InlineData("""{"Upstream":"hq","Repositories":["Warehouse/A"]}""", "Sync:Jobs:0:Repositories: the repository pattern 'Warehouse/A' has an upper-case letter")]
    [InlineData("""{"Upstream":"hq","Repositories":["a"],"Tags":{"Semver":"~1.4"}}""", "Sync:Jobs:0:Tags: '~1.4' is not a comparator")]
    [InlineData("""{"Upstream":"hq","Repositories":["a"],"Tags":{"Regex":"(x"}}""", "Sync:Jobs:0:Tags: '(x' is not a regular expression")]
    [InlineData("""{"Upstream":"hq","Repositories":["a"],"Tags":{"Regex":"x","Semver":">=1"}}""", "Sync:Jobs:0:Tags: set Regex or Semver, not both")]
    [InlineData("""{"Upstream":"hq","Repositories":["a"],"Platforms":["linux"]}""", "Sync:Jobs:0:Platforms: 'linux' is not os/arch")]
    [InlineData("""{"Upstream":"hq","Repositories":["a"],"Interval":"00:00:00"}""", "Sync:Jobs:0:Interval")]
    [InlineData("""{"Name":"two words","Upstream":"hq","Repositories":["a"]}""", "Sync:Jobs:0:Name")]
    public void Load_BadJob_FailsNamingTheKey(string job, string message)
    {
        var error = Assert.Throws<SettingsException>(() => Load($$$"""{"Upstreams":{"hq":{"Url":"https://hq.example"}},"Sync":{"Jobs":[{{{job}}}]}}"""));

        Assert.Contains(error.Errors, e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_TwoJobsOfOneName_Fails()
    {
        var error = Assert.Throws<SettingsException>(() => Load("""
            {"Upstreams":{"hq":{"Url":"https://hq.example"}},
             "Sync":{"Jobs":[{"Name":"a","Upstream":"hq","Repositories":["x"]},{"Name":"a","Upstream":"hq","Repositories":["y"]}]}}
            """));

        Assert.Contains(error.Errors, e => e.StartsWith("Sync:Jobs:1:Name: another job is named 'a'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_UnknownJobKey_FailsNamingTheNearest()
    {
        var error = Assert.Throws<SettingsException>(() => Load("""
            {"Upstreams":{"hq":{"Url":"https://hq.example"}},"Sync":{"Jobs":[{"Upstream":"hq","Repositories":["x"],"Tags":{"SemVer2":">=1"}}]}}
            """));

        Assert.Contains(error.Errors, e => e.Contains("Sync:Jobs:0:Tags:SemVer2") && e.Contains("Sync:Jobs:0:Tags:Semver"));
    }

    private OciCacheSettings Load(string json)
    {
        var file = _temp.Combine($"{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        return SettingsLoader.Load(file, new Dictionary<string, string?>());
    }

    public void Dispose() => _temp.Dispose();
}
