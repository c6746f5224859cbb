using OciCache.Sync;

namespace OciCache.Tests.Sync;

public sealed class TagFilterTests
{
    [Theory]
    [InlineData(@"1\.4\..*", "1.4.0", true)]
    [InlineData(@"1\.4\..*", "1.4.1", true)]
    [InlineData(@"1\.4\..*", "1.3", false)]
    [InlineData(@"1\.4", "1.4.0", false)] // the whole tag, not a part of it
    [InlineData(@"1\.4", "v1.4", false)]
    [InlineData("latest|stable", "stable", true)]
    [InlineData("latest|stable", "latest-rc", false)]
    public void IsMatch_Regex_MatchesTheWholeTag(string regex, string tag, bool expected)
    {
        Assert.True(TagFilter.TryCreate(new SyncTagFilter { Regex = regex }, out var filter, out _));
        Assert.Equal(expected, filter.IsMatch(tag));
    }

    [Theory]
    [InlineData("latest", true)]
    [InlineData("1.3", true)]
    [InlineData("sha256-" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12", false)]
    [InlineData("sha256-" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12.sig", false)]
    [InlineData("latest\n", false)]
    public void IsMatch_NoFilter_TakesEveryTagButReferrerTags(string tag, bool expected)
    {
        Assert.True(TagFilter.TryCreate(new SyncTagFilter(), out var filter, out _));
        Assert.Equal(expected, filter.IsMatch(tag));
    }

    [Fact]
    public void IsMatch_Semver_UsesTheRange()
    {
        Assert.True(TagFilter.TryCreate(new SyncTagFilter { Semver = ">=1.4 <2" }, out var filter, out _));
        Assert.Equal(["1.4.0", "1.4.1"], new[] { "1.3", "1.4.0", "1.4.1", "latest", "2.0" }.Where(filter.IsMatch));
    }

    [Theory]
    [InlineData("(unclosed", null, "not a regular expression")]
    [InlineData(null, ">=one", "not a comparator")]
    [InlineData("1.*", ">=1", "not both")]
    public void TryCreate_Bad_FailsWithTheReason(string? regex, string? semver, string reason)
    {
        Assert.False(TagFilter.TryCreate(new SyncTagFilter { Regex = regex, Semver = semver }, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void IsMatch_RegexTimesOut_CountsAsNoMatchAndTheTagsAfterItStillMatch()
    {
        // Nested quantifiers backtrack exponentially on a run of 'a' that lacks the final 'b'.
        Assert.True(TagFilter.TryCreate(new SyncTagFilter { Regex = "(a+)+b|v.*" }, out var filter, out _, TimeSpan.FromMilliseconds(20)));
        string[] listed = ["v1", new string('a', 40), "v2", new string('a', 41), "v3"];

        var taken = listed.Where(filter.IsMatch).ToList();

        Assert.Equal(["v1", "v2", "v3"], taken);
        Assert.Equal(2, filter.Timeouts);
        Assert.Equal("(a+)+b|v.*", filter.Pattern);
    }
}
