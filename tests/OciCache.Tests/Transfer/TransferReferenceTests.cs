using OciCache.Oci;
using OciCache.Registry;
using OciCache.Transfer;

namespace OciCache.Tests.Transfer;

public sealed class TransferReferenceTests
{
    private static readonly RepositoryRouter Router = new([("docker.io", ["docker-hub"]), ("ghcr.io", [])]);

    [Theory]
    [InlineData("docker.io/library/nginx:1.27", "docker.io/library/nginx", "docker.io", "docker.io/library/nginx:1.27")]
    [InlineData("docker.io/nginx:1.27", "docker.io/library/nginx", "docker.io", "docker.io/library/nginx:1.27")] // Docker Hub's short form
    [InlineData("docker-hub/nginx", "docker.io/library/nginx", "docker.io", "docker.io/library/nginx:latest")] // an alias, no tag
    [InlineData("ghcr.io/owner/tool:v2", "ghcr.io/owner/tool", "ghcr.io", "ghcr.io/owner/tool:v2")]
    [InlineData("site/app:v1", "site/app", null, "site/app:v1")]
    [InlineData("app", "app", null, "app:latest")]
    public void TryParse_RoutesLikeThePathPrefix_AndNamesTheFullReference(string value, string repository, string? upstream, string full)
    {
        Assert.True(TransferReference.TryParse(value, Router, out var reference, out var error), error);

        Assert.Equal(repository, reference.Repository.Name);
        Assert.Equal(upstream, reference.Repository.Upstream);
        Assert.Equal(full, reference.FullName);
    }

    [Fact]
    public void TryParse_Digest_IsKeptAndNamed()
    {
        var digest = Digest.ComputeSha256("x"u8);

        Assert.True(TransferReference.TryParse($"ghcr.io/owner/tool@{digest}", Router, out var reference, out _));

        Assert.False(reference.Reference.IsTag);
        Assert.Equal(digest, reference.Reference.Digest);
        Assert.Equal($"ghcr.io/owner/tool@{digest}", reference.FullName);
        Assert.True(TransferReference.TryParse(reference.FullName, Router, out var again, out _));
        Assert.Equal(reference, again);
    }

    [Theory]
    [InlineData("quay.io/org/thing:1", "quay.io is not a configured upstream")] // would otherwise land in a local repository
    [InlineData("localhost/app:1", "localhost is not a configured upstream")]
    [InlineData("site/app:bad tag", "is not a tag")]
    [InlineData("site/app@sha256:abc", "is not a digest")]
    [InlineData("site/app:v1@sha256:0000000000000000000000000000000000000000000000000000000000000000", "not both")]
    [InlineData("Site/App:v1", "invalid repository name")]
    public void TryParse_Malformed_FailsSayingWhy(string value, string why)
    {
        Assert.False(TransferReference.TryParse(value, Router, out _, out var error));

        Assert.Contains(why, error);
        Assert.StartsWith($"'{value}'", error);
    }
}
