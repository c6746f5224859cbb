using OciCache.Oci;

namespace OciCache.Tests.Oci;

public sealed class RepositoryNameTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("library/nginx")]
    [InlineData("my-org/sub.team/app__v2")]
    [InlineData("a--b/c_d")]
    public void IsValid_SpecNames_True(string name) => Assert.True(RepositoryName.IsValid(name));

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("/leading")]
    [InlineData("trailing/")]
    [InlineData("double//slash")]
    [InlineData("a..b")]
    [InlineData("a___b")]
    [InlineData("../etc")]
    [InlineData("-dash")]
    [InlineData("library/nginx\n")]
    [InlineData("library/nginx\r\n")]
    public void IsValid_Malformed_False(string name) => Assert.False(RepositoryName.IsValid(name));

    [Fact]
    public void IsValid_TooLong_False() => Assert.False(RepositoryName.IsValid(new string('a', 256)));

    [Theory]
    [InlineData("latest", true)]
    [InlineData("v1.2.3-rc_1", true)]
    [InlineData("_underscore", true)]
    [InlineData("sha256-abc.sig", true)]
    [InlineData(".dot", false)]
    [InlineData("-dash", false)]
    [InlineData("has/slash", false)]
    [InlineData("", false)]
    [InlineData("latest\n", false)]
    public void IsValidTag_FollowsGrammar(string tag, bool valid) => Assert.Equal(valid, RepositoryName.IsValidTag(tag));

    [Fact]
    public void IsValidTag_129Characters_False() => Assert.False(RepositoryName.IsValidTag(new string('a', 129)));
}
