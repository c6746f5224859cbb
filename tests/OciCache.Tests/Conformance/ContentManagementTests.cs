using System.Net;

namespace OciCache.Tests.Conformance;

/// <summary>The "content management" workflow: end-9 (DELETE manifests and tags) and end-10 (DELETE blobs).</summary>
public sealed class ContentManagementTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task DeleteManifestByDigest_RemovesManifestAndItsTags()
    {
        var repo = RegistryFixture.NewRepository("delete");
        var image = TestImage.Create(seed: 51);
        await _client.PushImageAsync(repo, "v1", image);

        using var delete = await _client.DeleteAsync($"/v2/{repo}/manifests/{image.Digest}");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);

        using var byDigest = await _client.GetAsync($"/v2/{repo}/manifests/{image.Digest}");
        await RegistryHttp.AssertOciErrorAsync(byDigest, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using var byTag = await _client.GetAsync($"/v2/{repo}/manifests/v1");
        await RegistryHttp.AssertOciErrorAsync(byTag, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using var tags = await _client.GetAsync($"/v2/{repo}/tags/list");
        Assert.DoesNotContain("v1", await tags.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DeleteTag_KeepsManifestByDigest()
    {
        var repo = RegistryFixture.NewRepository("delete");
        var image = TestImage.Create(seed: 52);
        await _client.PushImageAsync(repo, "v1", image);

        using var delete = await _client.DeleteAsync($"/v2/{repo}/manifests/v1");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);

        using var byTag = await _client.GetAsync($"/v2/{repo}/manifests/v1");
        Assert.Equal(HttpStatusCode.NotFound, byTag.StatusCode);
        using var byDigest = await _client.GetAsync($"/v2/{repo}/manifests/{image.Digest}");
        Assert.Equal(HttpStatusCode.OK, byDigest.StatusCode);
    }

    [Fact]
    public async Task DeleteBlob_MakesItUnknownInThatRepository()
    {
        var repo = RegistryFixture.NewRepository("delete");
        var blob = TestBlob.Random(2048, seed: 53);
        await _client.PushBlobAsync(repo, blob);

        using var delete = await _client.DeleteAsync($"/v2/{repo}/blobs/{blob.Digest}");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);

        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{repo}/blobs/{blob.Digest}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task DeleteBlob_ReferencedByAManifest_Answers405Unsupported_AndTheImageStaysWhole()
    {
        var repo = RegistryFixture.NewRepository("delete");
        var image = TestImage.Create(layers: 2, layerBytes: 1000, seed: 54);
        await _client.PushImageAsync(repo, "v1", image);

        foreach (var blob in image.Blobs)
        {
            using var delete = await _client.DeleteAsync($"/v2/{repo}/blobs/{blob.Digest}");
            await RegistryHttp.AssertOciErrorAsync(delete, HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
        }

        using (var manifest = await _client.GetAsync($"/v2/{repo}/manifests/v1"))
        {
            Assert.Equal(image.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
        }

        foreach (var blob in image.Blobs)
        {
            Assert.Equal(blob.Bytes, await _client.GetByteArrayAsync($"/v2/{repo}/blobs/{blob.Digest}"));
        }

        // Once no manifest needs it, the blob can go.
        using var deleteManifest = await _client.DeleteAsync($"/v2/{repo}/manifests/{image.Digest}");
        Assert.Equal(HttpStatusCode.Accepted, deleteManifest.StatusCode);
        using var deleteLayer = await _client.DeleteAsync($"/v2/{repo}/blobs/{image.Layers[0].Digest}");
        Assert.Equal(HttpStatusCode.Accepted, deleteLayer.StatusCode);
    }

    [Fact]
    public async Task DeleteOfUnknownContent_Answers404()
    {
        var repo = RegistryFixture.NewRepository("delete");
        var digest = $"sha256:{new string('e', 64)}";

        using var manifest = await _client.DeleteAsync($"/v2/{repo}/manifests/{digest}");
        await RegistryHttp.AssertOciErrorAsync(manifest, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using var blob = await _client.DeleteAsync($"/v2/{repo}/blobs/{digest}");
        await RegistryHttp.AssertOciErrorAsync(blob, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
    }

    [Theory]
    [InlineData("PUT", "/v2/docker.io/library/alpine/manifests/latest")]
    [InlineData("POST", "/v2/docker.io/library/alpine/blobs/uploads/")]
    [InlineData("DELETE", "/v2/library/alpine/manifests/latest?ns=docker.io")]
    public async Task WritesToMirrorRepositories_AnswerUnsupported(string method, string path)
    {
        using var response = await _client.SendAsync(RegistryHttp.Request(new HttpMethod(method), path, [1, 2, 3]));

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
    }

    [Fact]
    public async Task UnsupportedMethod_AnswersOciError()
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/v2/{RegistryFixture.NewRepository("m")}/manifests/v1"));

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
    }
}
