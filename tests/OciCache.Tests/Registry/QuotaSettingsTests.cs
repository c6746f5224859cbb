using OciCache.Hosting;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Tests.Registry;

/// <summary><c>Quotas</c> and <c>Tags:Immutable</c> as settings, and the arithmetic of a quota.</summary>
public sealed class QuotaSettingsTests
{
    private static readonly Digest A = Digest.ComputeSha256([1]);
    private static readonly Digest B = Digest.ComputeSha256([2]);

    [Fact]
    public void Load_Quotas_BindsEachEntry_AndNamesAnUnnamedOneByItsIndex()
    {
        var settings = SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["Quotas:0:Name"] = "team-a",
            ["Quotas:0:Repositories:0"] = "team-a/**",
            ["Quotas:0:MaxBytes"] = "10737418240",
            ["Quotas:1:Repositories:0"] = "team-b/*",
            ["Quotas:1:Repositories:1"] = "shared/b",
            ["Quotas:1:MaxBytes"] = "1024",
            ["Tags:Immutable:0"] = "site/**:v*",
        });

        Assert.Equal(10737418240, settings.Quotas[0].MaxBytes);
        Assert.Equal(["team-b/*", "shared/b"], settings.Quotas[1].Repositories);
        Assert.Equal(["team-a", "quota-1"], settings.Quotas.Select((q, i) => q.EffectiveName(i)));
        Assert.Equal(["site/**:v*"], settings.Tags.Immutable);
    }

    [Theory]
    [InlineData("Quotas:0:MaxBytes", "0", "Quotas:0:MaxBytes: 0 must be more than zero.")]
    [InlineData("Quotas:0:Repositories:0", "Team-A/**", "Quotas:0:Repositories:0: 'Team-A/**': ")]
    [InlineData("Quotas:0:Repositories:0", "team-a/**:v1", "Quotas:0:Repositories:0: 'team-a/**:v1': ")]
    [InlineData("Quotas:0:Name", "team a", "Quotas:0:Name: 'team a' must be letters, digits, '.', '_' or '-'.")]
    public void Load_BadQuota_FailsNamingTheKey(string key, string value, string expected)
    {
        var values = new Dictionary<string, string?>
        {
            ["Quotas:0:Repositories:0"] = "team-a/**",
            ["Quotas:0:MaxBytes"] = "100",
        };
        values[key] = value;

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, values));

        Assert.StartsWith(expected, Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_QuotaWithoutRepositories_AndTwoOfOneName_Fail()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["Quotas:0:Name"] = "same",
            ["Quotas:0:MaxBytes"] = "100",
            ["Quotas:1:Name"] = "same",
            ["Quotas:1:Repositories:0"] = "b/**",
            ["Quotas:1:MaxBytes"] = "100",
        }));

        Assert.Equal(["Quotas:0:Repositories: at least one repository pattern is needed.", "Quotas:1:Name: 'same' names another quota too."], error.Errors);
    }

    [Theory]
    [InlineData("site/**:")]
    [InlineData("Site/**:v*")]
    [InlineData("site/**:v?")]
    public void Load_ImmutableTagThatIsNoPattern_FailsNamingTheKey(string pattern)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(null, new Dictionary<string, string?> { ["Tags:Immutable:0"] = pattern }));

        Assert.StartsWith($"Tags:Immutable:0: '{pattern}': ", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ImmutableTags_CoverLocalTagsTheirPatternsName_NeverAMirrorsTags()
    {
        var tags = new ImmutableTags(new TagOptions { Immutable = ["site/**:v*", "prod/app"] });

        Assert.Equal("site/**:v*", tags.Find(Repository.Local("site/team/app"), "v1.2")?.Text);
        Assert.Null(tags.Find(Repository.Local("site/app"), "latest"));
        Assert.Equal("prod/app", tags.Find(Repository.Local("prod/app"), "latest")?.Text); // no tag part: every tag
        Assert.Null(tags.Find(Repository.Mirror("site", "app"), "v1"));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(700, "700 B")]
    [InlineData(1024, "1 KiB")]
    [InlineData(512L * 1024 * 1024, "512 MiB")]
    [InlineData(10L * 1024 * 1024 * 1024, "10 GiB")]
    [InlineData(10L * 1024 * 1024 * 1024 - 1, "9.9 GiB")] // rounded down: just under the limit never reads as the limit
    [InlineData(10_522_669_876, "9.8 GiB")]
    public void Format_ShowsBinaryUnitsWithOneDecimalAtMost(long bytes, string expected) => Assert.Equal(expected, Quota.Format(bytes));

    [Fact]
    public void Refusal_NamesTheQuotaItsUseItsLimitAndWhatThePushAdds()
    {
        var quota = new Quota("team-a", [RepositoryPattern.Parse("team-a/**")], 10L << 30);

        Assert.Equal("quota \"team-a\" would be exceeded: 9.8 GiB used of 10 GiB, this push adds 512 MiB", quota.Refusal(10_522_669_876, 512L << 20));
    }

    [Fact]
    public void Added_CountsOnlyWhatTheQuotaDoesNotHold_EachDigestOnce()
    {
        var usage = new QuotaUsage(100, new HashSet<Digest> { A });

        Assert.Equal(0, QuotaGuard.Added(usage, [(A, 50)]));
        Assert.Equal(30, QuotaGuard.Added(usage, [(A, 50), (B, 30), (B, 30)]));
    }

    [Fact]
    public void Covers_LocalRepositoriesItsPatternsMatch_NeverAMirror()
    {
        var quota = new Quota("q", [RepositoryPattern.Parse("team-a/**"), RepositoryPattern.Parse("shared/*")], 1);

        Assert.True(quota.Covers(Repository.Local("team-a/x/y")));
        Assert.True(quota.Covers(Repository.Local("shared/tools")));
        Assert.False(quota.Covers(Repository.Local("team-b/x")));
        Assert.False(quota.Covers(Repository.Mirror("team-a", "x")));
    }
}
