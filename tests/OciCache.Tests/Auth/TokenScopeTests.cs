using OciCache.Auth;
using OciCache.Registry;

namespace OciCache.Tests.Auth;

public sealed class TokenScopeTests
{
    [Fact]
    public void ParseAll_SeveralValuesAndSpaceSeparated_AllParsed()
    {
        var scopes = TokenScope.ParseAll(["repository:site/app:pull,push", "repository:a/b:pull repository:c:delete", "registry:catalog:*"]);

        Assert.Equal(
            ["repository:site/app:pull,push", "repository:a/b:pull", "repository:c:delete", "registry:catalog:pull,push,delete"],
            scopes.Select(s => s.ToString()));
    }

    [Theory]
    [InlineData("repository")]
    [InlineData("repository:site/app")]
    [InlineData("repository::pull")]
    [InlineData("repository:site/app:")]
    public void TryParse_Malformed_IsFalse(string text) => Assert.False(TokenScope.TryParse(text, out _));

    [Fact]
    public void TryParse_UnknownActions_AreIgnored()
    {
        Assert.True(TokenScope.TryParse("repository:site/app:pull,frobnicate", out var scope));
        Assert.Equal(AccessActions.Pull, scope!.Actions);
    }

    [Fact]
    public void Grant_IntersectsAskedAndAllowed_UnderPolicyNames()
    {
        var router = new RepositoryRouter([("docker.io", Array.Empty<string>())]);
        var policy = AccessPolicy.Create(new AuthSettings
        {
            Policies = [new PolicyRule { Repositories = ["site/**"], Users = ["alice"], Actions = ["pull", "push"] }],
        });
        var asked = TokenScope.ParseAll(["repository:site/app:pull,push,delete", "repository:other/app:push", "repository:docker.io/library/nginx:pull,push", "repository:Bad Name:pull"]);

        var granted = OciCache.Access.TokenEndpoint.Grant(router, policy, Identity.User("alice"), asked);

        Assert.Equal(
            ["site/app=Pull, Push", "other/app=None", "docker.io/library/nginx=Pull"],
            new[] { "site/app", "other/app", "docker.io/library/nginx" }.Select(n =>
                $"{n}={granted.Where(g => g.Name == n).Select(g => g.Actions).FirstOrDefault()}"));
    }
}
