using OciCache.Auth;
using OciCache.Oci;

namespace OciCache.Tests.Auth;

public sealed class AccessPolicyTests
{
    private static AuthSettings Settings() => new()
    {
        Groups = new() { ["ci"] = ["carol"], ["ops"] = ["olga"] },
        AdminGroup = "ops",
        Anonymous = new() { ["docker.io/**"] = ["pull"], ["public/*"] = ["pull"] },
        Policies =
        [
            new PolicyRule { Repositories = ["site/secret/**"], Users = ["alice"], Actions = ["none"] },
            new PolicyRule { Repositories = ["site/**"], Users = ["alice"], Groups = ["ci"], Actions = ["pull", "push"] },
            new PolicyRule { Repositories = ["site/**", "team-*/app"], Users = ["bob"], Actions = ["pull"] },
        ],
    };

    [Theory]
    [InlineData("site/**", "site", true)]
    [InlineData("site/**", "site/app", true)]
    [InlineData("site/**", "site/team/app", true)]
    [InlineData("site/**", "sites/app", false)]
    [InlineData("site/*", "site/app", true)]
    [InlineData("site/*", "site/team/app", false)]
    [InlineData("team-*/app", "team-red/app", true)]
    [InlineData("team-*/app", "team/app", false)]
    [InlineData("**/app", "a/b/app", true)]
    [InlineData("**", "docker.io/library/nginx", true)]
    [InlineData("docker.io/library/*", "docker.io/library/nginx", true)]
    [InlineData("a/**/z", "a/z", true)]
    [InlineData("a/**/z", "a/b/c/z", true)]
    [InlineData("a/**/z", "a/b/c", false)]
    public void Glob_Matches_BySegments(string pattern, string name, bool expected)
    {
        Assert.True(RepositoryPattern.TryParse(pattern, out var glob, out var error), error);
        Assert.Equal(expected, glob.IsMatch(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("site//app")]
    [InlineData("site/a**")]
    [InlineData("Site/app")]
    [InlineData("site/app ")]
    public void Glob_Invalid_IsRefusedWithReason(string pattern)
    {
        Assert.False(RepositoryPattern.TryParse(pattern, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Allowed_Anonymous_GetsOnlyAnonymousEntries()
    {
        var policy = AccessPolicy.Create(Settings());

        Assert.Equal(AccessActions.Pull, policy.Allowed(null, "docker.io/library/nginx", isMirror: true));
        Assert.Equal(AccessActions.Pull, policy.Allowed(null, "public/app", isMirror: false));
        Assert.Equal(AccessActions.None, policy.Allowed(null, "public/app/sub", isMirror: false));
        Assert.Equal(AccessActions.None, policy.Allowed(null, "site/app", isMirror: false));
        Assert.True(policy.AnonymousGrantsAnything);
    }

    [Fact]
    public void Allowed_User_FirstMatchingRuleDecides()
    {
        var policy = AccessPolicy.Create(Settings());

        Assert.Equal(AccessActions.Pull | AccessActions.Push, policy.Allowed(Identity.User("alice"), "site/app", false));
        Assert.Equal(AccessActions.None, policy.Allowed(Identity.User("alice"), "site/secret/keys", false));
        Assert.Equal(AccessActions.Pull, policy.Allowed(Identity.User("bob"), "team-red/app", false));
        Assert.Equal(AccessActions.None, policy.Allowed(Identity.User("mallory"), "site/app", false));
    }

    [Fact]
    public void Allowed_GroupMember_GetsGroupRule()
    {
        var policy = AccessPolicy.Create(Settings());

        Assert.Equal(AccessActions.Pull | AccessActions.Push, policy.Allowed(Identity.User("carol"), "site/app", false));
    }

    [Fact]
    public void Allowed_Admin_MayDoEverythingLocal_AndOnlyPullMirrors()
    {
        var policy = AccessPolicy.Create(Settings());

        Assert.True(policy.IsAdmin(Identity.User("olga")));
        Assert.False(policy.IsAdmin(Identity.User("alice")));
        Assert.Equal(AccessActions.All, policy.Allowed(Identity.User("olga"), "anything/at/all", false));
        Assert.Equal(AccessActions.Pull, policy.Allowed(Identity.User("olga"), "docker.io/library/nginx", true));
    }

    [Fact]
    public void Allowed_Robot_GetsItsScopes_NotPolicies()
    {
        var policy = AccessPolicy.Create(Settings());
        var robot = new Identity("robot$ci", IdentityKind.Robot) { Scopes = [new RobotScope("site/app", ["pull"])] };
        var alice = new Identity("robot$alice", IdentityKind.Robot) { Scopes = [] };

        Assert.Equal(AccessActions.Pull, policy.Allowed(robot, "site/app", false));
        Assert.Equal(AccessActions.None, policy.Allowed(robot, "site/other", false));
        Assert.Equal(AccessActions.None, policy.Allowed(alice, "site/app", false)); // a robot is never the user of its name
        Assert.Equal(AccessActions.Pull, policy.Allowed(robot, "docker.io/library/nginx", true)); // what anyone may do
    }

    [Fact]
    public void Allowed_Mirror_NeverMoreThanPull()
    {
        var settings = Settings();
        settings.Anonymous = new() { ["**"] = ["pull", "push", "delete"] };
        var policy = AccessPolicy.Create(settings);

        Assert.Equal(AccessActions.Pull, policy.Allowed(null, "docker.io/library/nginx", true));
        Assert.Equal(AccessActions.All, policy.Allowed(null, "site/app", false));
    }

    [Fact]
    public void Create_NoAnonymousSection_DefaultsToPullOfEverything()
    {
        var policy = AccessPolicy.Create(new AuthSettings());

        Assert.Equal(AccessActions.Pull, policy.Allowed(null, "site/app", false));
        Assert.Equal(AccessActions.Pull, policy.Allowed(null, "docker.io/library/nginx", true));
    }

    [Fact]
    public void Create_AnonymousNone_GrantsNothing()
    {
        var policy = AccessPolicy.Create(new AuthSettings { Anonymous = new() { ["**"] = ["none"] } });

        Assert.False(policy.AnonymousGrantsAnything);
        Assert.Equal(AccessActions.None, policy.Allowed(null, "site/app", false));
    }

    [Fact]
    public void Validate_BadRules_NameTheirKeys()
    {
        var errors = AccessPolicy.Validate(new AuthSettings
        {
            AdminGroup = "nobody",
            Anonymous = new() { ["Bad Glob"] = ["pull"] },
            Policies =
            [
                new PolicyRule { Repositories = ["site/**"], Users = ["a"], Actions = ["pull", "write"] },
                new PolicyRule { Repositories = [], Groups = ["ghosts"], Actions = ["pull"] },
            ],
        });

        Assert.Contains(errors, e => e.StartsWith("Auth:Anonymous:Bad Glob", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Auth:Policies:0:Actions", StringComparison.Ordinal) && e.Contains("'write'"));
        Assert.Contains(errors, e => e.StartsWith("Auth:Policies:1:Repositories", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Auth:Policies:1:Groups", StringComparison.Ordinal) && e.Contains("ghosts"));
        Assert.Contains(errors, e => e.StartsWith("Auth:AdminGroup", StringComparison.Ordinal));
    }
}
