using OciCache.Oci;
using OciCache.Registry;
using OciCache.Upstream;

namespace OciCache.Tests.Upstream;

public sealed class RegistryPathTests
{
    private static readonly Repository Nginx = Repository.Mirror("docker.io", "library/nginx");
    private static readonly Digest Subject = Digest.Parse("sha256:" + new string('a', 64));

    [Fact]
    public void Blob_And_Manifest_AreBuiltFromTheRemoteName()
    {
        Assert.Equal($"v2/library/nginx/blobs/{Subject}", RegistryPath.Blob(Nginx, Subject).Value);
        Assert.Equal("v2/library/nginx/manifests/1.27-alpine", RegistryPath.Manifest(Nginx, Reference.ForTag("1.27-alpine")).Value);
        Assert.Equal($"v2/library/nginx/manifests/{Subject}", RegistryPath.Manifest(Nginx, Reference.ForDigest(Subject)).Value);
    }

    [Fact]
    public void Listings_CarryOnlyKnownParameters_Escaped()
    {
        Assert.Equal("v2/library/nginx/tags/list", RegistryPath.Tags(Nginx, default).Value);
        Assert.Equal("v2/library/nginx/tags/list?n=100&last=1.27", RegistryPath.Tags(Nginx, new PageQuery(100, "1.27")).Value);
        Assert.Equal($"v2/library/nginx/referrers/{Subject}?artifactType=application%2Fspdx%2Bjson",
            RegistryPath.Referrers(Nginx, Subject, "application/spdx+json", default).Value);
    }

    [Fact]
    public void ResolveAgainst_KeepsThePathOfTheBaseUrl() =>
        Assert.Equal("https://mirror.example/prefix/v2/library/nginx/tags/list",
            RegistryPath.Tags(Nginx, default).ResolveAgainst(new Uri("https://mirror.example/prefix/")).ToString());

    [Theory]
    [InlineData("library/../_catalog")]
    [InlineData("library/nginx%2F..")]
    [InlineData("Library/Nginx")]
    public void InvalidRemoteName_Throws(string remoteName) =>
        Assert.Throws<ArgumentException>(() => RegistryPath.Blob(Repository.Mirror("docker.io", remoteName), Subject));

    [Fact]
    public void LocalRepository_Throws() =>
        Assert.Throws<ArgumentException>(() => RegistryPath.Blob(Repository.Local("app"), Subject));

    [Theory]
    [InlineData("../../_catalog")]
    [InlineData("a/b")]
    [InlineData("")]
    public void InvalidTag_Throws(string tag) =>
        Assert.Throws<ArgumentException>(() => RegistryPath.Manifest(Nginx, Reference.ForTag(tag)));

    [Fact]
    public void DefaultDigest_Throws() =>
        Assert.Throws<ArgumentException>(() => RegistryPath.Blob(Nginx, default));

    [Fact]
    public void InvalidQueryParts_Throw()
    {
        Assert.Throws<ArgumentException>(() => RegistryPath.Tags(Nginx, new PageQuery(null, "x&n=1")));
        Assert.Throws<ArgumentException>(() => RegistryPath.Tags(Nginx, new PageQuery(-1, null)));
        Assert.Throws<ArgumentException>(() => RegistryPath.Referrers(Nginx, Subject, "../../x", default));
    }
}

public sealed class RepositoryPrefixTests
{
    private static readonly Repository Nginx = Repository.Mirror("docker.io", "library/nginx");

    [Theory]
    [InlineData("http://hq:5000/v2/docker.io", "http://hq:5000/", "docker.io")]
    [InlineData("http://hq:5000/v2/docker.io/", "http://hq:5000/", "docker.io")]
    [InlineData("http://hq:5000/base/v2/site/mirror", "http://hq:5000/base/", "site/mirror")]
    [InlineData("http://hq:5000", "http://hq:5000/", null)]
    [InlineData("http://hq:5000/v2/", "http://hq:5000/v2/", null)]
    [InlineData("https://mirror.example/prefix", "https://mirror.example/prefix/", null)]
    public void SplitUrl_APathPastV2_IsARepositoryPrefix(string url, string baseUri, string? prefix)
    {
        var (split, name) = UpstreamEndpoint.SplitUrl(url);

        Assert.Equal(baseUri, split.ToString());
        Assert.Equal(prefix, name);
    }

    [Fact]
    public void ResolveAgainst_EndpointWithAPrefix_PutsItAfterV2_ButNotForTheCatalog()
    {
        using var endpoint = new UpstreamEndpoint("docker.io", new UpstreamOptions { Url = "http://hq:5000/v2/docker.io" },
            new UpstreamPolicyOptions(), new TokenCache(new Microsoft.Extensions.Caching.Memory.MemoryCache(new Microsoft.Extensions.Caching.Memory.MemoryCacheOptions()), TimeProvider.System), (_, _, _) => { });

        Assert.Equal("http://hq:5000/v2/docker.io/library/nginx/tags/list", RegistryPath.Tags(Nginx, default).ResolveAgainst(endpoint).ToString());
        Assert.Equal("http://hq:5000/v2/_catalog?n=10&last=warehouse%2Fa", RegistryPath.Catalog(10, "warehouse/a").ResolveAgainst(endpoint).ToString());
    }
}
