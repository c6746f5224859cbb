using System.Net;
using System.Text.Json;
using OciCache.Oci;

namespace OciCache.Tests.Conformance;

/// <summary>The "content discovery" workflow: end-8a/8b tags list, the catalog, end-12a/12b referrers.</summary>
public sealed class ContentDiscoveryTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task TagsList_ReturnsAllTagsInLexicalOrder()
    {
        var repo = await RepositoryWithTagsAsync("b", "a", "d", "c");

        using var response = await _client.GetAsync($"/v2/{repo}/tags/list");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await ReadJson(response);
        Assert.Equal(repo, json.GetProperty("name").GetString());
        Assert.Equal(["a", "b", "c", "d"], Strings(json, "tags"));
        Assert.Null(response.Header("Link"));
    }

    [Fact]
    public async Task TagsList_PagesWithNAndLastAndLink()
    {
        var repo = await RepositoryWithTagsAsync("t1", "t2", "t3", "t4", "t5");

        using var first = await _client.GetAsync($"/v2/{repo}/tags/list?n=2");
        Assert.Equal(["t1", "t2"], Strings(await ReadJson(first), "tags"));
        Assert.Equal($"</v2/{repo}/tags/list?n=2&last=t2>; rel=\"next\"", first.Header("Link"));

        using var second = await _client.GetAsync($"/v2/{repo}/tags/list?n=2&last=t2");
        Assert.Equal(["t3", "t4"], Strings(await ReadJson(second), "tags"));

        using var last = await _client.GetAsync($"/v2/{repo}/tags/list?n=2&last=t4");
        Assert.Equal(["t5"], Strings(await ReadJson(last), "tags"));
        Assert.Null(last.Header("Link"));

        using var zero = await _client.GetAsync($"/v2/{repo}/tags/list?n=0");
        Assert.Empty(Strings(await ReadJson(zero), "tags"));
    }

    [Fact]
    public async Task TagsList_OfUnknownRepository_Answers404NameUnknown()
    {
        using var response = await _client.GetAsync($"/v2/{RegistryFixture.NewRepository("none")}/tags/list");

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.NotFound, "NAME_UNKNOWN");
    }

    [Fact]
    public async Task TagsList_WithBadN_Answers400()
    {
        var repo = await RepositoryWithTagsAsync("x");

        using var response = await _client.GetAsync($"/v2/{repo}/tags/list?n=many");

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "PAGINATION_NUMBER_INVALID");
    }

    [Fact]
    public async Task Catalog_ListsRepositoriesWithPaging()
    {
        var a = await RepositoryWithTagsAsync("x");
        var b = await RepositoryWithTagsAsync("x");

        using var all = await _client.GetAsync("/v2/_catalog");
        var names = Strings(await ReadJson(all), "repositories");
        Assert.Contains(a, names);
        Assert.Contains(b, names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);

        using var page = await _client.GetAsync("/v2/_catalog?n=1");
        Assert.Single(Strings(await ReadJson(page), "repositories"));
        Assert.Contains("rel=\"next\"", page.Header("Link"));
    }

    [Fact]
    public async Task Referrers_WithoutAny_AnswersEmptyIndex()
    {
        var repo = await RepositoryWithTagsAsync("x");

        using var response = await _client.GetAsync($"/v2/{repo}/referrers/sha256:{new string('d', 64)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MediaTypes.OciIndex, response.Content.Headers.ContentType?.MediaType);
        var json = await ReadJson(response);
        Assert.Equal(2, json.GetProperty("schemaVersion").GetInt32());
        Assert.Empty(json.GetProperty("manifests").EnumerateArray());
    }

    [Fact]
    public async Task Referrers_ListSignatureAndFilterByArtifactType()
    {
        var repo = RegistryFixture.NewRepository("referrers");
        var image = TestImage.Create(seed: 41);
        await _client.PushImageAsync(repo, "v1", image);
        var signature = await PushCosignStyleSignatureAsync(repo, image);
        var sbom = await PushReferrerAsync(repo, image, "application/spdx+json", """{"spdxVersion":"SPDX-2.3"}""");

        using var all = await _client.GetAsync($"/v2/{repo}/referrers/{image.Digest}");
        var manifests = (await ReadJson(all)).GetProperty("manifests").EnumerateArray().ToList();
        Assert.Equal(2, manifests.Count);
        Assert.Null(all.Header("OCI-Filters-Applied"));
        var sig = manifests.Single(m => m.GetProperty("digest").GetString() == signature.Digest.ToString());
        Assert.Equal(MediaTypes.OciManifest, sig.GetProperty("mediaType").GetString());
        Assert.Equal(signature.Size, sig.GetProperty("size").GetInt64());
        Assert.Equal(CosignArtifactType, sig.GetProperty("artifactType").GetString());
        Assert.Equal("cosign", sig.GetProperty("annotations").GetProperty("dev.sigstore.tool").GetString());

        using var filtered = await _client.GetAsync($"/v2/{repo}/referrers/{image.Digest}?artifactType=application/spdx%2Bjson");
        var only = (await ReadJson(filtered)).GetProperty("manifests").EnumerateArray().Single();
        Assert.Equal(sbom.Digest.ToString(), only.GetProperty("digest").GetString());
        Assert.Equal("artifactType", filtered.Header("OCI-Filters-Applied"));
    }

    [Fact]
    public async Task Referrers_WithMalformedDigest_Answers400()
    {
        using var response = await _client.GetAsync($"/v2/{RegistryFixture.NewRepository("r")}/referrers/sha256:bad");

        await RegistryHttp.AssertOciErrorAsync(response, HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    private const string CosignArtifactType = "application/vnd.dev.cosign.artifact.sig.v1+json";

    /// <summary>
    /// Pushes what cosign 2.x pushes with the referrers API: an OCI manifest with the empty config, the
    /// simple-signing payload as its layer (signature in the layer's annotations) and the image as subject.
    /// </summary>
    private async Task<TestBlob> PushCosignStyleSignatureAsync(string repo, TestImage image)
    {
        var payload = TestBlob.Json("application/vnd.dev.cosign.simplesigning.v1+json", $$"""
            {"critical":{"identity":{"docker-reference":"{{repo}}"},"image":{"docker-manifest-digest":"{{image.Digest}}"},"type":"cosign container image signature"},"optional":null}
            """);
        var empty = TestBlob.Json(MediaTypes.OciEmpty, "{}");
        await _client.PushBlobAsync(repo, payload);
        await _client.PushBlobAsync(repo, empty);
        var layer = payload.DescriptorJson("""
            "annotations":{"dev.cosignproject.cosign/signature":"MEUCIQDexample"}
            """.Trim());
        var manifest = TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"{{CosignArtifactType}}","config":{{empty.DescriptorJson()}},"layers":[{{layer}}],"subject":{{image.Manifest.DescriptorJson()}},"annotations":{"dev.sigstore.tool":"cosign"} }
            """);
        await _client.PushManifestAsync(repo, manifest.Digest.ToString(), manifest);
        return manifest;
    }

    private async Task<TestBlob> PushReferrerAsync(string repo, TestImage image, string artifactType, string content)
    {
        var body = TestBlob.Json(artifactType, content);
        var empty = TestBlob.Json(MediaTypes.OciEmpty, "{}");
        await _client.PushBlobAsync(repo, body);
        await _client.PushBlobAsync(repo, empty);
        var manifest = TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"{{artifactType}}","config":{{empty.DescriptorJson()}},"layers":[{{body.DescriptorJson()}}],"subject":{{image.Manifest.DescriptorJson()}}}
            """);
        await _client.PushManifestAsync(repo, manifest.Digest.ToString(), manifest);
        return manifest;
    }

    private async Task<string> RepositoryWithTagsAsync(params string[] tags)
    {
        var repo = RegistryFixture.NewRepository("tags");
        var image = TestImage.Create(layers: 1, layerBytes: 1000, seed: 40);
        foreach (var tag in tags)
        {
            await _client.PushImageAsync(repo, tag, image);
        }

        return repo;
    }

    private static async Task<JsonElement> ReadJson(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    private static List<string> Strings(JsonElement json, string property) =>
        json.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToList();
}
