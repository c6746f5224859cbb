using OciCache.Auth;

namespace OciCache.Tests.Auth;

/// <summary>The policy for people signed in through the OIDC issuer (groups from its claim) and with API keys.</summary>
public sealed class AccessPolicySignInTests
{
    private static readonly AccessPolicy Policy = AccessPolicy.Create(new AuthSettings
    {
        Groups = new() { ["ops"] = ["olga"] },
        AdminGroup = "ops",
        Anonymous = new() { ["public/**"] = ["pull"] },
        Policies =
        [
            new PolicyRule { Repositories = ["team/**"], Groups = ["devs"], Actions = ["pull", "push"] },
            new PolicyRule { Repositories = ["site/**"], Users = ["carol"], Actions = ["pull", "push", "delete"] },
        ],
        Oidc = new OidcSettings { Issuer = "https://id.lan", ClientId = "c", ClientSecret = "s" },
    });

    [Fact]
    public void Allowed_GroupFromTheIssuer_MatchesItsRule()
    {
        var dana = Identity.User("dana") with { Groups = new HashSet<string> { "devs" } };

        Assert.Equal(AccessActions.Pull | AccessActions.Push, Policy.Allowed(dana, "team/app", false));
        Assert.Equal(AccessActions.None, Policy.Allowed(Identity.User("dana"), "team/app", false));
    }

    [Fact]
    public void IsAdmin_AdminGroupFromTheIssuer_True()
    {
        var dana = Identity.User("dana") with { Groups = new HashSet<string> { "ops" } };

        Assert.True(Policy.IsAdmin(dana));
        Assert.Equal(AccessActions.All, Policy.Allowed(dana, "anything/at/all", false));
        Assert.True(Policy.IsAdmin(Identity.User("olga")));
    }

    [Fact]
    public void GroupsOf_ListedAndFromTheIssuer_Both()
    {
        var olga = Identity.User("olga") with { Groups = new HashSet<string> { "devs" } };

        Assert.Equal(["devs", "ops"], Policy.GroupsOf(olga).Order());
    }

    [Fact]
    public void Allowed_ApiKey_TheKeysScopesWithinTheUsersRights()
    {
        var key = Identity.User("carol") with { Limit = [Scope("repository:site/app:pull,push"), Scope("repository:team/**:push")], ApiKeyId = "k" };

        Assert.Equal(AccessActions.Pull | AccessActions.Push, Policy.Allowed(key, "site/app", false)); // carol has delete too; the key not
        Assert.Equal(AccessActions.None, Policy.Allowed(key, "site/other", false)); // carol may; the key names only site/app
        Assert.Equal(AccessActions.None, Policy.Allowed(key, "team/app", false)); // the key says push; carol may not
        Assert.Equal(AccessActions.Pull, Policy.Allowed(key, "public/x", false)); // what anyone may do
    }

    [Fact]
    public void IsAdmin_WithAnApiKey_NeverEvenForAnAdmin()
    {
        var key = Identity.User("olga") with { Limit = [Scope("repository:**:*")], ApiKeyId = "k" };

        Assert.False(Policy.IsAdmin(key));
        Assert.Equal(AccessActions.All, Policy.Allowed(key, "site/app", false)); // the repositories, yes
    }

    [Fact]
    public void Validate_GroupsUnknownToAuthGroupsWithoutOidc_Errors()
    {
        var errors = AccessPolicy.Validate(new AuthSettings
        {
            AdminGroup = "ops",
            Policies = [new PolicyRule { Repositories = ["team/**"], Groups = ["devs"], Actions = ["pull"] }],
        });

        Assert.Contains(errors, e => e.StartsWith("Auth:AdminGroup", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Auth:Policies:0:Groups", StringComparison.Ordinal));
    }

    private static RobotScope Scope(string text) => RobotScope.TryParse(text, out var scope, out var error) ? scope : throw new FormatException(error);
}
