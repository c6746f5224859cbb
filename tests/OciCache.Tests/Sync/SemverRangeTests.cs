using OciCache.Sync;

namespace OciCache.Tests.Sync;

public sealed class SemverRangeTests
{
    [Theory]
    [InlineData(">=1.4 <2", "1.4.0", true)]
    [InlineData(">=1.4 <2", "1.4.1", true)]
    [InlineData(">=1.4 <2", "1.4", true)]
    [InlineData(">=1.4 <2", "v1.9.9", true)]
    [InlineData(">=1.4 <2", "1.3", false)]
    [InlineData(">=1.4 <2", "1.3.9", false)]
    [InlineData(">=1.4 <2", "2.0.0", false)]
    [InlineData(">=1.4 <2", "2", false)]
    [InlineData(">1.4.0", "1.4.0", false)]
    [InlineData(">1.4.0", "1.4.1", true)]
    [InlineData("<=1.4.1", "1.4.1", true)]
    [InlineData("<=1.4.1", "1.4.2", false)]
    [InlineData("=1.4.1", "1.4.1", true)]
    [InlineData("1.4.1", "v1.4.1", true)]
    [InlineData("=1.4.1", "1.4.10", false)]
    [InlineData(">=v1.10", "1.9.0", false)] // numbers, not text: 10 > 9
    [InlineData(">=v1.10", "1.10.0", true)]
    public void IsMatch_ReleaseTags_FollowTheComparators(string range, string tag, bool expected) =>
        Assert.Equal(expected, Parse(range).IsMatch(tag));

    [Theory]
    [InlineData("latest")]
    [InlineData("stable")]
    [InlineData("1.4.0.1")]
    [InlineData("1.x")]
    [InlineData("01.4.0")]
    [InlineData("sha256-abc")]
    [InlineData("")]
    public void IsMatch_TagThatIsNoVersion_NeverMatches(string tag) =>
        Assert.False(Parse(">=0").IsMatch(tag));

    [Theory]
    [InlineData(">=1.4 <2", "1.5.0-rc.1", false)] // no comparator names a pre-release
    [InlineData(">=1.5.0-rc.1 <2", "1.5.0-rc.2", true)]
    [InlineData(">=1.5.0-rc.2", "1.5.0-rc.10", true)] // numeric identifiers compare as numbers
    [InlineData(">=1.5.0-rc.1", "1.5.0-beta.1", false)]
    [InlineData("<1.5.0 >=1.5.0-rc.1", "1.5.0-rc.1", true)] // a pre-release is below its release
    [InlineData("<1.5.0 >=1.5.0-rc.1", "1.5.0", false)]
    public void IsMatch_PreReleases_MatchOnlyARangeThatNamesOne(string range, string tag, bool expected) =>
        Assert.Equal(expected, Parse(range).IsMatch(tag));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(">=1.4 <two")]
    [InlineData("~1.4")]
    [InlineData("^1.4")]
    [InlineData(">>1")]
    [InlineData("1.4 || 2")]
    public void TryParse_Malformed_FailsWithAReason(string range)
    {
        Assert.False(SemverRange.TryParse(range, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    private static SemverRange Parse(string range) =>
        SemverRange.TryParse(range, out var parsed, out var error) ? parsed : throw new FormatException(error);
}
