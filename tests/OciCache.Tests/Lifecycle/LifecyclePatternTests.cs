using OciCache.Lifecycle;
using OciCache.Oci;

namespace OciCache.Tests.Lifecycle;

public sealed class LifecyclePatternTests
{
    [Theory]
    [InlineData("docker.io/library/nginx:*", "docker.io/library/nginx", "1.27", true)]
    [InlineData("docker.io/nginx:*", "docker.io/library/nginx", "1.27", true)] // Docker Hub short form
    [InlineData("docker.io/library/nginx:1.*", "docker.io/library/nginx", "2.0", false)]
    [InlineData("registry.k8s.io/pause", "registry.k8s.io/pause", "3.10", true)]
    [InlineData("registry.k8s.io/*", "registry.k8s.io/coredns/coredns", "v1.11", true)]
    [InlineData("docker.io/*:latest", "docker.io/library/redis", "7", false)]
    [InlineData("ghcr.io/owner/app:v2", "ghcr.io/owner/app", "v2", true)]
    public void PinMatcher_MatchesRepositoryAndTagPatterns(string pin, string repository, string tag, bool pinned) =>
        Assert.Equal(pinned, new PinMatcher([pin]).IsPinned(repository, [tag]));

    [Fact]
    public void PinMatcher_WholeRepositoryPin_CoversUntaggedManifests()
    {
        Assert.True(new PinMatcher(["registry.k8s.io/pause"]).IsPinned("registry.k8s.io/pause", []));
        Assert.False(new PinMatcher(["registry.k8s.io/pause:3.*"]).IsPinned("registry.k8s.io/pause", []));
    }

    [Theory]
    [InlineData("1.*", "1.27", true)]
    [InlineData("1.*", "11", false)]
    [InlineData("*-alpine", "1.27-alpine", true)]
    [InlineData("a.b", "aXb", false)] // only * is special
    public void Glob_OnlyStarIsSpecial(string pattern, string value, bool match) => Assert.Equal(match, Tag(pattern).IsMatch(value));

    private static TagPattern Tag(string text) => TagPattern.TryParse(text, out var pattern, out var error) ? pattern : throw new FormatException(error);

    [Theory]
    [InlineData("nginx", "docker.io", "nginx", null)] // the router adds library/ when it routes docker.io/nginx
    [InlineData("nginx:1.27", "docker.io", "nginx", "1.27")]
    [InlineData("bitnami/redis:7", "docker.io", "bitnami/redis", "7")]
    [InlineData("registry.k8s.io/pause:3.10", "registry.k8s.io", "pause", "3.10")]
    [InlineData("localhost:5000/team/app:v1", "localhost:5000", "team/app", "v1")]
    public void ImageReference_ParsesLikeDockerDoes(string value, string registry, string repository, string? tag)
    {
        Assert.True(ImageReference.TryParse(value, out var image));
        Assert.Equal((registry, repository, tag), (image.Registry, image.Repository, image.Tag));
    }

    [Fact]
    public void ImageReference_WithDigest()
    {
        var digest = $"sha256:{new string('a', 64)}";
        Assert.True(ImageReference.TryParse($"ghcr.io/owner/app@{digest}", out var image));
        Assert.Equal(digest, image.Digest.ToString());
        Assert.Equal($"ghcr.io/owner/app@{digest}", image.ToString());
    }

    [Theory]
    [InlineData("UPPER/case")]
    [InlineData("nginx:-bad")]
    [InlineData("nginx@sha256:short")]
    public void ImageReference_RejectsMalformed(string value) => Assert.False(ImageReference.TryParse(value, out _));

    [Theory]
    [InlineData("linux/arm64", "linux", "arm64", "v8", true)]
    [InlineData("linux/arm64/v8", "linux", "arm64", "v8", true)]
    [InlineData("linux/arm/v7", "linux", "arm", "v6", false)]
    [InlineData("linux/amd64", "linux", "arm64", null, false)]
    public void Prefetcher_PlatformFilter(string filter, string os, string architecture, string? variant, bool match) =>
        Assert.Equal(match, PlatformFilter.Matches(new Platform(os, architecture, variant), [filter]));

    [Theory]
    [InlineData("linux/arm64", true)]
    [InlineData("linux/arm/v7", true)]
    [InlineData("linux", false)]
    [InlineData("linux/", false)]
    [InlineData("/amd64", false)]
    [InlineData("linux/arm64/v8/x", false)]
    [InlineData("linux/ arm64", false)]
    public void IsPlatformFilter_AcceptsOnlyOsArchAndOptionalVariant(string filter, bool valid) =>
        Assert.Equal(valid, PlatformFilter.IsValid(filter));
}
