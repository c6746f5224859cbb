using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Tests.Registry;

public sealed class RepositoryRouterTests
{
    private readonly RepositoryRouter _router = new([("docker.io", ["docker-hub"]), ("ghcr.io", [])]);

    [Theory]
    [InlineData("nginx", "docker.io", "docker.io/library/nginx")]
    [InlineData("bitnami/redis", "docker.io", "docker.io/bitnami/redis")]
    [InlineData("docker-hub/library/nginx", "docker.io", "docker.io/library/nginx")]
    [InlineData("owner/app", "ghcr.io", "ghcr.io/owner/app")]
    [InlineData("owner/app", "GHCR.IO", "ghcr.io/owner/app")]
    public void Route_WithNs_IsMirror(string name, string ns, string stored)
    {
        var repository = _router.Route(name, ns);

        Assert.True(repository.IsMirror);
        Assert.Equal(stored, repository.Name);
    }

    [Theory]
    [InlineData("docker.io/nginx", "docker.io", "library/nginx")]
    [InlineData("docker-hub/library/nginx", "docker.io", "library/nginx")]
    [InlineData("ghcr.io/owner/app", "ghcr.io", "owner/app")]
    public void Route_WithPrefix_IsMirror(string name, string upstream, string remote)
    {
        var repository = _router.Route(name, null);

        Assert.Equal(upstream, repository.Upstream);
        Assert.Equal(remote, repository.RemoteName);
    }

    [Theory]
    [InlineData("myapp")]
    [InlineData("team/myapp")]
    [InlineData("example.com/app")]
    [InlineData("docker.io")]
    public void Route_OtherNames_AreLocal(string name) => Assert.False(_router.Route(name, null).IsMirror);

    [Fact]
    public void Route_UnknownNs_IsNameUnknownAndNeverAnUpstream()
    {
        var error = Assert.Throws<FailureException>(() => _router.Route("library/nginx", "evil.example.com"));

        Assert.IsType<NameUnknown>(error.Failure);
    }

    [Fact]
    public void Route_InvalidName_IsNameInvalid() =>
        Assert.IsType<NameInvalid>(Assert.Throws<FailureException>(() => _router.Route("docker.io/UPPER", null)).Failure);
}
