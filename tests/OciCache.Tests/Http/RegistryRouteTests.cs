using OciCache.Http;

namespace OciCache.Tests.Http;

public sealed class RegistryRouteTests
{
    [Theory]
    [InlineData("", "Base", "", "")]
    [InlineData("_catalog", "Catalog", "", "")]
    [InlineData("library/nginx/manifests/1.27", "Manifest", "library/nginx", "1.27")]
    [InlineData("a/b/c/blobs/sha256:abc", "Blob", "a/b/c", "sha256:abc")]
    [InlineData("app/blobs/uploads/", "UploadStart", "app", "")]
    [InlineData("app/blobs/uploads", "UploadStart", "app", "")]
    [InlineData("app/blobs/uploads/0123abcd", "Upload", "app", "0123abcd")]
    [InlineData("app/tags/list", "Tags", "app", "")]
    [InlineData("app/referrers/sha256:abc", "Referrers", "app", "sha256:abc")]
    [InlineData("manifests/manifests/latest", "Manifest", "manifests", "latest")]
    [InlineData("blobs/tags/list", "Tags", "blobs", "")]
    [InlineData("docker.io/library/alpine/manifests/3", "Manifest", "docker.io/library/alpine", "3")]
    public void TryParse_KnownShapes(string path, string kind, string name, string reference)
    {
        Assert.True(RegistryRoute.TryParse(path, out var route));
        Assert.Equal(new RegistryRoute(Enum.Parse<RouteKind>(kind), name, reference), route);
    }

    [Theory]
    [InlineData("manifests/latest")]
    [InlineData("app")]
    [InlineData("app/manifests/")]
    [InlineData("app/other/x")]
    [InlineData("tags/list")]
    public void TryParse_UnknownShapes_Fail(string path) => Assert.False(RegistryRoute.TryParse(path, out _));
}
