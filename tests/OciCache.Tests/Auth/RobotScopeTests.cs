using OciCache.Auth;

namespace OciCache.Tests.Auth;

public sealed class RobotScopeTests
{
    [Theory]
    [InlineData("repository:site/*:pull,push", "site/*", new[] { "pull", "push" })]
    [InlineData("repository:site/**:pull", "site/**", new[] { "pull" })]
    [InlineData("repository:**:*", "**", new[] { "pull", "push", "delete" })]
    [InlineData("repository:site/app:delete,pull,pull", "site/app", new[] { "pull", "delete" })]
    [InlineData("repository:site/*-build/**:push,*", "site/*-build/**", new[] { "pull", "push", "delete" })]
    [InlineData("repository:a.b_c__d--e/f:pull", "a.b_c__d--e/f", new[] { "pull" })]
    public void TryParse_ValidScope_GivesPatternAndActionsInCanonicalOrder(string text, string glob, string[] actions)
    {
        Assert.True(RobotScope.TryParse(text, out var scope, out var error), error);

        Assert.Equal(glob, scope.RepositoryGlob);
        Assert.Equal(actions, scope.Actions);
        Assert.Null(error);
    }

    [Fact]
    public void ToString_OfParsedScope_ParsesToAnEqualScope()
    {
        RobotScope.TryParse("repository:site/*:push,pull,pull", out var scope, out _);

        Assert.Equal("repository:site/*:pull,push", scope!.ToString());
        Assert.True(RobotScope.TryParse(scope.ToString(), out var again, out _));
        Assert.Equal(scope, again);
        Assert.Equal(scope.GetHashCode(), again.GetHashCode());
        Assert.Equal(new RobotScope("site/*", ["pull", "push"]), scope);
        Assert.NotEqual(new RobotScope("site/*", ["pull"]), scope);
    }

    [Theory]
    [InlineData("repository:site/*:pull\n", "'pull\\u000a' is not an action")]
    [InlineData("repository:site/*\n:pull", "U+000A")]
    [InlineData("repository:site/*:pull ", "'pull ' is not an action")]
    [InlineData(" repository:site/*:pull", "a scope is repository:<pattern>:<actions>")]
    [InlineData("", "a scope is repository:<pattern>:<actions>")]
    [InlineData("registry:catalog:*", "a scope is repository:<pattern>:<actions>")]
    [InlineData("repository:site/*", "the actions are missing")]
    [InlineData("repository::pull", "the repository pattern is empty")]
    [InlineData("repository:site/*:", "no actions")]
    [InlineData("repository:site/*:pull,,push", "an empty action")]
    [InlineData("repository:site/*:pull,", "an empty action")]
    [InlineData("repository:site//app:pull", "empty path segment")]
    [InlineData("repository:/site:pull", "empty path segment")]
    [InlineData("repository:site/:pull", "empty path segment")]
    [InlineData("repository:site/*:read", "'read' is not an action; actions are pull, push, delete or *")]
    [InlineData("repository:site/*:PULL", "the action 'PULL' must be lower case: pull")]
    [InlineData("repository:site/*:Push", "the action 'Push' must be lower case: push")]
    [InlineData("repository:Site/*:pull", "has an upper-case letter; repository names are lower case")]
    [InlineData("Repository:site/*:pull", "a scope is repository:<pattern>:<actions>")]
    [InlineData("repository:site/a**:pull", "'**' must be a whole segment")]
    [InlineData("repository:site/***:pull", "'**' must be a whole segment")]
    [InlineData("repository:site/-app:pull", "matches no repository name")]
    [InlineData("repository:site/app_:pull", "matches no repository name")]
    [InlineData("repository:site/a..b:pull", "matches no repository name")]
    [InlineData("repository:site:x/*:pull", "a repository pattern has no ':'")]
    [InlineData("repository:site/a b:pull", "the character U+0020")]
    [InlineData("repository:site/app?:pull", "the character '?'")]
    public void TryParse_MalformedScope_FailsWithAReasonOnOneLine(string text, string reason)
    {
        Assert.False(RobotScope.TryParse(text, out var scope, out var error));

        Assert.Null(scope);
        Assert.Contains(reason, error);
        Assert.StartsWith("scope '", error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void TryParse_PatternLongerThanANameCanBe_Fails()
    {
        Assert.False(RobotScope.TryParse($"repository:{new string('a', 256)}:pull", out _, out var error));

        Assert.Contains("longer than 255", error);
    }

    [Theory]
    [InlineData("site/*", "site/app", true)]
    [InlineData("site/*", "site/app/sub", false)]
    [InlineData("site/*", "site", false)]
    [InlineData("site/*", "other/app", false)]
    [InlineData("site/**", "site", true)]
    [InlineData("site/**", "site/app", true)]
    [InlineData("site/**", "site/app/sub/deep", true)]
    [InlineData("site/**", "sites/app", false)]
    [InlineData("**", "docker.io/library/nginx", true)]
    [InlineData("**/nginx", "docker.io/library/nginx", true)]
    [InlineData("**/nginx", "nginx", true)]
    [InlineData("**/nginx", "docker.io/library/nginx-unprivileged", false)]
    [InlineData("site/**/cache", "site/cache", true)]
    [InlineData("site/**/cache", "site/a/b/cache", true)]
    [InlineData("site/**/cache", "site/a/b/cache/x", false)]
    [InlineData("site/**/**/x", "site/x", true)]
    [InlineData("site/app-*", "site/app-build", true)]
    [InlineData("site/app-*", "site/app-", false)] // not a valid name, so no match
    [InlineData("site/*-build", "site/web-build", true)]
    [InlineData("site/*-build", "site/web-build2", false)]
    [InlineData("site/a*b*c", "site/a1b2b3d", false)]
    [InlineData("site/a*b*c", "site/a1b2b3c", true)]
    [InlineData("site/app", "site/app", true)]
    [InlineData("site/app", "site/application", false)]
    [InlineData("site/*", "site/App", false)]
    [InlineData("site/*", "site/app\n", false)]
    [InlineData("site/**", "site/app/", false)]
    public void Matches_RepositoryName_FollowsSegmentsAndWildcards(string glob, string repository, bool expected)
    {
        Assert.True(RobotScope.TryParse($"repository:{glob}:pull", out var scope, out var error), error);

        Assert.Equal(expected, scope.Matches(repository));
    }

    [Fact]
    public void Allows_ActionInScopeOnMatchingRepository_OnlyThen()
    {
        RobotScope.TryParse("repository:site/*:pull,push", out var scope, out _);

        Assert.True(scope!.Allows("site/app", "pull"));
        Assert.True(scope.Allows("site/app", "push"));
        Assert.False(scope.Allows("site/app", "delete"));
        Assert.False(scope.Allows("site/app", "PULL"));
        Assert.False(scope.Allows("site/app", "*"));
        Assert.False(scope.Allows("other/app", "pull"));
    }

    [Fact]
    public void Matches_ScopeBuiltWithConstructorOrWith_UsesItsCurrentPattern()
    {
        var scope = new RobotScope("site/*", ["pull"]);
        Assert.True(scope.Matches("site/app"));

        var moved = scope with { RepositoryGlob = "other/*" };
        Assert.False(moved.Matches("site/app"));
        Assert.True(moved.Matches("other/app"));

        Assert.False(new RobotScope("Not A Pattern", ["pull"]).Matches("site/app")); // matches nothing, never throws
    }
}
