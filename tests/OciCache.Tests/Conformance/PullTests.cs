using System.Net;
using OciCache.Oci;

namespace OciCache.Tests.Conformance;

/// <summary>The "pull" workflow of the OCI conformance suite: end-1, end-2, end-3 and their errors.</summary>
public sealed class PullTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task BaseEndpoint_Get_Answers200WithApiVersionHeader()
    {
        using var response = await _client.GetAsync("/v2/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Header("Docker-Distribution-API-Version"));
    }

    [Fact]
    public async Task Manifest_GetByTagAndDigest_ReturnsExactBytesAndHeaders()
    {
        var repo = RegistryFixture.NewRepository("pull");
        var image = TestImage.Create(seed: 11);
        await _client.PushImageAsync(repo, "v1", image);

        foreach (var reference in new[] { "v1", image.Digest.ToString() })
        {
            using var response = await _client.GetAsync($"/v2/{repo}/manifests/{reference}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(image.Manifest.Bytes, await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(MediaTypes.OciManifest, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(image.Digest.ToString(), response.Header("Docker-Content-Digest"));
        }
    }

    [Fact]
    public async Task Manifest_Head_HasDigestAndTrueContentLengthButNoBody()
    {
        var repo = RegistryFixture.NewRepository("pull");
        var image = TestImage.Create(seed: 12);
        await _client.PushImageAsync(repo, "v1", image);

        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{repo}/manifests/v1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(image.Digest.ToString(), response.Header("Docker-Content-Digest"));
        Assert.Equal(image.Manifest.Size, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Blob_GetAndHead_ReturnBytesDigestAndLength()
    {
        var repo = RegistryFixture.NewRepository("pull");
        var blob = TestBlob.Random(300_000, seed: 13);
        await _client.PushBlobAsync(repo, blob);

        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{repo}/blobs/{blob.Digest}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(blob.Size, head.Content.Headers.ContentLength);
        Assert.Equal(blob.Digest.ToString(), head.Header("Docker-Content-Digest"));

        using var get = await _client.GetAsync($"/v2/{repo}/blobs/{blob.Digest}");
        Assert.Equal(blob.Bytes, await get.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("bytes=0-9", 0, 10)]
    [InlineData("bytes=1000-", 1000, 9000)]
    [InlineData("bytes=-500", 9500, 500)]
    [InlineData("bytes=9990-20000", 9990, 10)]
    public async Task Blob_GetWithRange_Answers206WithContentRange(string range, int start, int length)
    {
        var repo = RegistryFixture.NewRepository("range");
        var blob = TestBlob.Random(10_000, seed: 14);
        await _client.PushBlobAsync(repo, blob);

        using var response = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Get, $"/v2/{repo}/blobs/{blob.Digest}", null, ("Range", range)));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {start}-{start + length - 1}/10000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(blob.Bytes.AsSpan(start, length).ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Blob_GetWithRangeBeyondEnd_Answers416WithLength()
    {
        var repo = RegistryFixture.NewRepository("range");
        var blob = TestBlob.Random(1000, seed: 15);
        await _client.PushBlobAsync(repo, blob);

        using var response = await _client.SendAsync(RegistryHttp.Request(HttpMethod.Get, $"/v2/{repo}/blobs/{blob.Digest}", null, ("Range", "bytes=1000-")));

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */1000", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task UnknownManifest_Answers404ManifestUnknown()
    {
        var repo = RegistryFixture.NewRepository("pull");
        await _client.PushImageAsync(repo, "v1", TestImage.Create(seed: 16));

        using var byTag = await _client.GetAsync($"/v2/{repo}/manifests/nope");
        await RegistryHttp.AssertOciErrorAsync(byTag, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using var byDigest = await _client.GetAsync($"/v2/{repo}/manifests/sha256:{new string('a', 64)}");
        await RegistryHttp.AssertOciErrorAsync(byDigest, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Fact]
    public async Task UnknownBlob_Answers404BlobUnknown()
    {
        using var response = await _client.GetAsync($"/v2/{RegistryFixture.NewRepository("pull")}/blobs/sha256:{new string('b', 64)}");

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
    }

    [Fact]
    public async Task Blob_OfAnotherRepository_IsNotVisible()
    {
        var owner = RegistryFixture.NewRepository("owner");
        var blob = TestBlob.Random(100, seed: 17);
        await _client.PushBlobAsync(owner, blob);

        using var response = await _client.GetAsync($"/v2/{RegistryFixture.NewRepository("other")}/blobs/{blob.Digest}");

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
    }

    [Theory]
    [InlineData("/v2/UPPER/manifests/latest", "NAME_INVALID")]
    [InlineData("/v2/a..b/manifests/latest", "NAME_INVALID")]
    [InlineData("/v2/ok/blobs/sha256:xyz", "DIGEST_INVALID")]
    [InlineData("/v2/ok/blobs/md5:0123456789abcdef0123456789abcdef", "DIGEST_INVALID")]
    public async Task MalformedNamesAndReferences_Answer400(string path, string code)
    {
        using var response = await _client.GetAsync(path);

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, code);
    }

    /// <summary>
    /// A reference that cannot name a manifest names none: "Pulling manifests" answers 404 for content
    /// that is not found, and the conformance suite pulls <c>.INVALID_MANIFEST_NAME</c> expecting 404.
    /// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
    /// </summary>
    [Theory]
    [InlineData(".INVALID_MANIFEST_NAME")]
    [InlineData("-badtag")]
    [InlineData("sha256:ABC")]
    [InlineData("md5:0123456789abcdef0123456789abcdef")]
    public async Task Manifest_GetOrHeadWithMalformedReference_Answers404ManifestUnknown(string reference)
    {
        var repo = RegistryFixture.NewRepository("malformed");
        await _client.PushImageAsync(repo, "v1", TestImage.Create(seed: 18));

        using var get = await _client.GetAsync($"/v2/{repo}/manifests/{reference}");
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{repo}/manifests/{reference}"));

        await RegistryHttp.AssertOciErrorAsync(get, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }
}
