using OciCache.Oci;

namespace OciCache.Tests.Oci;

public sealed class RepositoryPatternTests
{
    [Theory]
    // Segments, anchored at both ends.
    [InlineData("site/app", "site/app", true)]
    [InlineData("site/app", "site/app/x", false)]
    [InlineData("site/app", "x/site/app", false)]
    [InlineData("site", "site/app", false)]
    // * stays within one segment, none included.
    [InlineData("site/*", "site/app", true)]
    [InlineData("site/*", "site/team/app", false)]
    [InlineData("site/*", "site", false)]
    [InlineData("team-*/app", "team-red/app", true)]
    [InlineData("team-*/app", "team-/app", false)] // no name segment ends with '-'
    [InlineData("*-tools/*", "ci-tools/lint", true)]
    [InlineData("a*b*c", "axbyc", true)]
    [InlineData("a*b*c", "axcyb", false)]
    // ** is any number of whole segments, none included.
    [InlineData("site/**", "site", true)]
    [InlineData("site/**", "site/team/app", true)]
    [InlineData("site/**", "sites/app", false)]
    [InlineData("**/app", "app", true)]
    [InlineData("**/app", "a/b/app", true)]
    [InlineData("**/app", "a/b/app2", false)]
    [InlineData("a/**/z", "a/z", true)]
    [InlineData("a/**/z", "a/b/c/z", true)]
    [InlineData("a/**/z", "a/b/c", false)]
    [InlineData("a/**/**/z", "a/z", true)]
    [InlineData("**/b/**/d", "a/b/c/b/d", true)]
    [InlineData("**", "docker.io/library/nginx", true)]
    // Case counts, and a name that is not valid matches nothing.
    [InlineData("site/app", "Site/app", false)]
    [InlineData("**", "site//app", false)]
    [InlineData("site/*", "site/app\n", false)]
    public void IsMatch_NameAgainstPattern(string pattern, string name, bool expected)
    {
        Assert.True(RepositoryPattern.TryParse(pattern, out var parsed, out var error), error);
        Assert.Equal(expected, parsed.IsMatch(name));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("site//app", "empty path segment")]
    [InlineData("site/a**", "'**' inside the segment")]
    [InlineData("Site/app", "upper-case letter")]
    [InlineData("site/app ", "U+0020")]
    [InlineData("site/ap?", "'?'")]
    [InlineData("site/[ab]", "'['")]
    [InlineData("site/app:1.0", "':'")]
    [InlineData("-site/app", "matches no repository name")]
    public void TryParse_Invalid_IsRefusedWithAReason(string pattern, string reason)
    {
        Assert.False(RepositoryPattern.TryParse(pattern, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_LongerThanAName_IsRefused() =>
        Assert.False(RepositoryPattern.TryParse(new string('a', RepositoryName.MaxLength + 1), out _, out _));

    [Theory]
    [InlineData("library/nginx:1.*", "library/nginx", "1.27", true)]
    [InlineData("library/nginx:1.*", "library/nginx", "2.0", false)]
    [InlineData("library/*:*-rc*", "library/app", "1.0-rc1", true)]
    [InlineData("library/*:latest", "library/app", "Latest", false)] // tags are case-sensitive
    [InlineData("library/**", "library/a/b", "any", true)] // no tag part: every tag
    public void TryParseWithTag_MatchesRepositoryAndTag(string pattern, string repository, string tag, bool expected)
    {
        Assert.True(RepositoryPattern.TryParseWithTag(pattern, out var parsed, out var error), error);
        Assert.Equal(expected, parsed.IsMatch(repository, tag));
        Assert.True(parsed.IsMatch(repository)); // the repository part alone
    }

    [Fact]
    public void TryParseWithTag_SplitsAtTheFirstColon()
    {
        Assert.True(RepositoryPattern.TryParseWithTag("library/nginx:1.*", out var parsed, out _));
        Assert.Equal(("library/nginx", "1.*"), (parsed.Repository, parsed.Tag?.Text));
        Assert.True(RepositoryPattern.TryParseWithTag("library/nginx", out var whole, out _));
        Assert.Null(whole.Tag);
    }

    [Theory]
    [InlineData("library/nginx:", "not a tag pattern")]
    [InlineData("library/nginx:bad tag", "not a tag pattern")]
    [InlineData("library/nginx:-x", "not a tag pattern")]
    [InlineData("library/nginx:a:b", "not a tag pattern")]
    [InlineData("Library/nginx:1", "upper-case letter")]
    public void TryParseWithTag_Invalid_IsRefusedWithAReason(string pattern, string reason)
    {
        Assert.False(RepositoryPattern.TryParseWithTag(pattern, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.*", "1.27", true)]
    [InlineData("1.*", "11", false)]
    [InlineData("*-alpine", "1.27-alpine", true)]
    [InlineData("v1.2", "v1x2", false)] // only * is special
    public void TagPattern_StarIsAnyCharacters(string pattern, string tag, bool expected)
    {
        Assert.True(TagPattern.TryParse(pattern, out var parsed, out var error), error);
        Assert.Equal(expected, parsed.IsMatch(tag));
    }

    [Theory]
    [InlineData("")]
    [InlineData("v?")] // no ? wildcard and no character classes: neither is a tag character
    [InlineData("v[12]")]
    [InlineData(".hidden")]
    public void TagPattern_Invalid_IsRefusedWithAReason(string pattern)
    {
        Assert.False(TagPattern.TryParse(pattern, out _, out var error));
        Assert.Contains("not a tag pattern", error, StringComparison.Ordinal);
    }

    [Fact]
    public void IsMatch_AccessCheck_AllocatesNothingPerCall()
    {
        Assert.True(RepositoryPattern.TryParse("site/**/team-*/app", out var pattern, out _));
        var matches = 0;
        for (var i = 0; i < 1000; i++) // warm up: the JIT's tiers may allocate once, a call never
        {
            matches += pattern.IsMatch("site/a/b/team-red/app") ? 1 : 0;
        }

        // Measured in rounds, the least kept: a tier-up of the JIT or a runtime event on this thread may
        // allocate in one round, while an allocating call would show in every round.
        const int Calls = 50_000; // two calls each, so a round makes 100,000
        const int Rounds = 5;
        var least = long.MaxValue;
        for (var round = 0; round < Rounds; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Calls; i++)
            {
                matches += pattern.IsMatch("site/a/b/team-red/app") ? 1 : 0;
                matches += pattern.IsMatch("site/a/b/team-red/other") ? 1 : 0;
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        // The smallest object is 24 bytes: fewer bytes than calls means no call allocated. A full run once saw
        // 14,416 bytes in every round of 20,000 calls (the runtime's own, on this thread); an allocating call
        // would show as 2,400,000 bytes a round here.
        Assert.InRange(least, 0, 2 * Calls);
        Assert.Equal(1000 + (Calls * Rounds), matches);
    }
}
