using OciCache.Lifecycle;

namespace OciCache.Tests.Lifecycle;

public sealed class PinPatternTests
{
    [Theory]
    // A * that ends a segment covers the paths below it, as pins have always read it.
    [InlineData("docker.io/library/*", "docker.io/library/a/b", true)]
    [InlineData("docker.io/library/*", "docker.io/library", false)]
    [InlineData("registry.k8s.io/core*", "registry.k8s.io/coredns/coredns", true)]
    [InlineData("*/nginx", "docker.io/library/nginx", true)]
    // A * that starts a segment covers the paths above it.
    [InlineData("docker.io/*nginx", "docker.io/library/nginx", true)]
    [InlineData("docker.io/*nginx", "docker.io/library/redis", false)]
    // A * between characters of a segment has no one-pattern spelling of its old reading: it stays in its segment.
    [InlineData("docker.io/lib*nx", "docker.io/libnx", true)]
    [InlineData("docker.io/lib*nx", "docker.io/library/nginx", false)]
    // ** is the one dialect's: any number of whole segments, none included.
    [InlineData("docker.io/library/**", "docker.io/library", true)]
    [InlineData("docker.io/**/nginx", "docker.io/nginx", true)]
    [InlineData("docker.io/library/*/**", "docker.io/library", false)]
    [InlineData("docker.io/library/*/**", "docker.io/library/nginx", true)]
    public void IsPinned_RepositoryPattern_ReadsAStarAsBeforeAndDoubleStarAsTheOneDialect(string pin, string repository, bool pinned) =>
        Assert.Equal(pinned, new PinMatcher([pin]).IsPinned(repository, ["1.0"]));

    [Theory]
    [InlineData("docker.io/library/*", "docker.io/library/*/**")]
    [InlineData("docker.io/*:latest", "docker.io/*/**:latest")]
    [InlineData("registry.k8s.io/core*", "registry.k8s.io/core*/**")]
    [InlineData("docker.io/*nginx:1.*", "docker.io/**/*nginx:1.*")]
    [InlineData("docker.io/*x*", "docker.io/**/*x*/**")]
    [InlineData("docker.io/a*/*b", "docker.io/a*/**/*b")]
    [InlineData("*", "*/**")]
    [InlineData("ghcr.io/ng**", "ghcr.io/ng*/**")]
    public void TryParse_StarThatCrossedSlash_IsRewrittenToTheNewSpelling(string text, string spelling)
    {
        Assert.True(PinPattern.TryParse(text, out var pin, out var error), error);
        Assert.True(pin.IsRewritten);
        Assert.Equal(spelling, pin.Spelling);
    }

    [Theory]
    [InlineData("registry.k8s.io/pause:*")]
    [InlineData("docker.io/library/nginx:1.*")]
    [InlineData("docker.io/library/**")]
    [InlineData("docker.io/library/*/**")]
    [InlineData("docker.io/**/*nginx")]
    [InlineData("hq/team-*/**/app")]
    [InlineData("docker.io/lib*nx")]
    [InlineData("docker.io/**/*x*/**")]
    public void TryParse_NewSpelling_IsKeptAsWritten(string text)
    {
        Assert.True(PinPattern.TryParse(text, out var pin, out var error), error);
        Assert.False(pin.IsRewritten);
        Assert.Equal(text, pin.Spelling);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Docker.io/library/nginx")]
    [InlineData("docker.io//nginx")]
    [InlineData("docker.io/library/nginx:")]
    [InlineData("docker.io/library/nginx:bad tag")]
    [InlineData("localhost:5000/app")]
    public void TryParse_NoPattern_IsRefusedWithAReason(string text)
    {
        Assert.False(PinPattern.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void IsPinned_PatternThatDoesNotParse_PinsNothing() =>
        Assert.False(new PinMatcher(["Docker.io/library/nginx", "docker.io//x"]).IsPinned("docker.io/library/nginx", ["1.0"]));
}
