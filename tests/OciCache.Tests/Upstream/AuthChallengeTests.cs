using OciCache.Upstream;

namespace OciCache.Tests.Upstream;

public sealed class AuthChallengeTests
{
    [Fact]
    public void ParseAll_DockerHubChallenge()
    {
        var challenge = AuthChallenge.ParseAll(
            ["Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/nginx:pull\""]).Single();

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.docker.io/token", challenge.Realm);
        Assert.Equal("registry.docker.io", challenge.Service);
        Assert.Equal("repository:library/nginx:pull", challenge.Scope);
    }

    [Theory]
    [InlineData("Bearer realm=https://ghcr.io/token,service=ghcr.io")]
    [InlineData("bearer   realm = \"https://ghcr.io/token\" , service=ghcr.io")]
    [InlineData("Bearer realm=\"https://ghcr.io/token\", service=\"ghcr.io\",")]
    public void ParseAll_LenientForms(string header)
    {
        var challenge = AuthChallenge.ParseAll([header]).Single();

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://ghcr.io/token", challenge.Realm);
        Assert.Equal("ghcr.io", challenge.Service);
    }

    [Fact]
    public void ParseAll_RealmOnly_HasNoServiceOrScope()
    {
        var challenge = AuthChallenge.ParseAll(["Bearer realm=\"https://quay.io/v2/auth\""]).Single();

        Assert.Equal("https://quay.io/v2/auth", challenge.Realm);
        Assert.Null(challenge.Service);
        Assert.Null(challenge.Scope);
    }

    [Fact]
    public void ParseAll_SeveralChallengesInOneHeader()
    {
        var challenges = AuthChallenge.ParseAll(["Basic realm=\"registry\", Bearer realm=\"https://a/token\",service=\"a\""]);

        Assert.Equal(2, challenges.Count);
        Assert.True(challenges[0].IsBasic);
        Assert.Equal("registry", challenges[0].Realm);
        Assert.True(challenges[1].IsBearer);
        Assert.Equal("a", challenges[1].Service);
    }

    [Fact]
    public void ParseAll_EscapedQuoteInValue() =>
        Assert.Equal("a\"b", AuthChallenge.ParseAll(["Bearer realm=\"a\\\"b\""]).Single().Realm);

    [Theory]
    [InlineData("")]
    [InlineData(",,,")]
    public void ParseAll_Garbage_YieldsNothing(string header) => Assert.Empty(AuthChallenge.ParseAll([header]));

    [Theory]
    [InlineData("https://r/v2/library/nginx/manifests/1.27", "repository:library/nginx:pull")]
    [InlineData("https://r/v2/a/b/c/blobs/sha256:00", "repository:a/b/c:pull")]
    [InlineData("https://r/v2/owner/tool/tags/list", "repository:owner/tool:pull")]
    [InlineData("https://cdn.example/registry-v2/docker/registry/v2/blobs/sha256/ab/data", null)]
    [InlineData("https://r/v2/", null)]
    public void ScopeFor_RegistryPaths(string url, string? scope) =>
        Assert.Equal(scope, UpstreamAuthHandler.ScopeFor(new Uri(url)));
}

public sealed class RateLimitTrackerTests
{
    [Fact]
    public void Observe_ReadsDockerHubHeaders()
    {
        var tracker = new RateLimitTracker();
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("ratelimit-limit", "100;w=21600");
        response.Headers.TryAddWithoutValidation("ratelimit-remaining", "7;w=21600");

        Assert.True(tracker.Observe(response));

        Assert.Equal(100, tracker.Limit);
        Assert.Equal(7, tracker.Remaining);
        Assert.True(tracker.IsLow);
        Assert.False(tracker.Observe(response)); // unchanged
    }

    [Fact]
    public void Observe_WithoutHeaders_KnowsNothing()
    {
        var tracker = new RateLimitTracker();
        using var response = new HttpResponseMessage();

        Assert.False(tracker.Observe(response));
        Assert.Null(tracker.Remaining);
        Assert.False(tracker.IsLow);
    }
}
