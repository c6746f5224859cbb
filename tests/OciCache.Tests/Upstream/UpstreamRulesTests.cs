using OciCache.Oci;
using OciCache.Registry;
using OciCache.Upstream;

namespace OciCache.Tests.Upstream;

public sealed class UpstreamRulesTests
{
    private static readonly Digest AnyDigest = Digest.ComputeSha256([1, 2, 3]);

    private static UpstreamRules Rules(string[] allow, string[] deny) =>
        new(new Dictionary<string, UpstreamOptions> { ["docker.io"] = new() { Url = "https://hub.example", Allow = [.. allow], Deny = [.. deny] } });

    private static string? Check(UpstreamRules rules, string remote, string? reference) =>
        rules.Check(Repository.Mirror("docker.io", remote), reference is null ? null : Parse(reference))?.Detail;

    private static Reference Parse(string text) => Reference.TryParse(text, out var parsed) ? parsed : throw new FormatException(text);

    [Fact]
    public void Check_WithoutRules_AllowsEverything()
    {
        var rules = Rules([], []);
        Assert.Null(Check(rules, "library/nginx", "latest"));
        Assert.Null(rules.Check(Repository.Local("site/app"), null));
    }

    [Fact]
    public void Check_DeniedRepository_IsDeniedByTagByDigestAndForListings_NamingTheRule()
    {
        var rules = Rules([], ["evil/*"]);
        Assert.Contains("Upstreams:docker.io:Deny 'evil/*'", Check(rules, "evil/miner", "latest"));
        Assert.NotNull(Check(rules, "evil/miner", AnyDigest.ToString()));
        Assert.NotNull(Check(rules, "evil/miner", null));
        Assert.Null(Check(rules, "evil/a/b", "latest")); // * stays within one segment
        Assert.Null(Check(rules, "library/nginx", "latest"));
    }

    [Fact]
    public void Check_DeniedTagPattern_DeniesThoseTagsOnly_NotTheRepositoryDigests()
    {
        var rules = Rules([], ["library/app:*-rc*"]);
        Assert.NotNull(Check(rules, "library/app", "1.0-rc1"));
        Assert.Null(Check(rules, "library/app", "1.0"));
        Assert.Null(Check(rules, "library/app", AnyDigest.ToString()));
        Assert.Null(Check(rules, "library/app", null));
    }

    [Fact]
    public void Check_AllowList_AdmitsOnlyWhatItCovers()
    {
        var rules = Rules(["library/**", "team/tool:v*"], []);
        Assert.Null(Check(rules, "library/nginx", "1.27"));
        Assert.Null(Check(rules, "library/a/b", "1"));
        Assert.Null(Check(rules, "team/tool", "v2"));
        Assert.Contains("Allow", Check(rules, "team/tool", "latest"));
        Assert.Null(Check(rules, "team/tool", AnyDigest.ToString())); // digests of an allowed repository
        Assert.NotNull(Check(rules, "other/thing", AnyDigest.ToString()));
        Assert.NotNull(Check(rules, "other/thing", null));
    }

    [Fact]
    public void Check_DenyWinsOverAllow()
    {
        var rules = Rules(["library/**"], ["library/nginx:latest"]);
        Assert.NotNull(Check(rules, "library/nginx", "latest"));
        Assert.Null(Check(rules, "library/nginx", "1.27"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Library/Nginx")]
    [InlineData("library/nginx\n")]
    [InlineData("library/nginx:")]
    [InlineData("library/nginx:bad tag")]
    [InlineData("library//nginx")]
    public void TryParse_Malformed_IsRefusedWithAReason(string text)
    {
        Assert.False(UpstreamRule.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("**")]
    [InlineData("library/*")]
    [InlineData("bitnami/**:1.*")]
    [InlineData("library/nginx:latest")]
    public void TryParse_WellFormed_IsAccepted(string text) => Assert.True(UpstreamRule.TryParse(text, out _, out _));
}
