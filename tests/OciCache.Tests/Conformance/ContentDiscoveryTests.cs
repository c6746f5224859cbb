using System.Net;
using System.Text;
using System.Text.Json;
using OciCache.Oci;
using OciCache.Upstream;

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

    [Fact]
    public async Task Referrers_ManyWithLargeAnnotations_ArePagedByLinkWithinPageBytesAndCapped()
    {
        const int count = 100; // ~3.3 KiB a descriptor after the cut: more than one 256 KiB page
        var repo = RegistryFixture.NewRepository("referrers-big");
        var image = TestImage.Create(seed: 42);
        await _client.PushImageAsync(repo, "v1", image);
        var pushed = new HashSet<string>();
        for (var i = 0; i < count; i++)
        {
            pushed.Add((await PushReferrerAsync(repo, image, "application/vnd.example.big", "{}", BigAnnotations(i, 60 * 1024))).Digest.ToString());
        }

        var seen = new List<string>();
        var pages = 0;
        string? next = $"/v2/{repo}/referrers/{image.Digest}";
        while (next is not null)
        {
            using var page = await _client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var body = await page.Content.ReadAsByteArrayAsync();
            Assert.True(body.Length <= 257 * 1024, $"page {pages} takes {body.Length} bytes");
            using var json = JsonDocument.Parse(body);
            foreach (var descriptor in json.RootElement.GetProperty("manifests").EnumerateArray())
            {
                seen.Add(descriptor.GetProperty("digest").GetString()!);
                var annotations = descriptor.GetProperty("annotations");
                Assert.True(Encoding.UTF8.GetByteCount(annotations.GetRawText()) <= AnnotationLimits.MaxDescriptorBytes);
                Assert.StartsWith("small-", annotations.GetProperty("org.example.small").GetString());
                Assert.True(annotations.TryGetProperty("org.example.big.0", out _)); // kept while it fits,
                Assert.False(annotations.TryGetProperty("org.example.big.1", out _)); // the rest dropped
            }

            next = LinkHeader.FindNext(page.Header("Link"));
            pages++;
        }

        Assert.True(pages > 1, "a list larger than a page must be paged");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(pushed.Order(), seen.Order());
    }

    [Fact]
    public async Task Referrers_PagesWithNAndLastKeepingTheFilter()
    {
        var repo = RegistryFixture.NewRepository("referrers-n");
        var image = TestImage.Create(seed: 43);
        await _client.PushImageAsync(repo, "v1", image);
        var pushed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            pushed.Add((await PushReferrerAsync(repo, image, "application/vnd.example.n", $$"""{"i":{{i}}}""")).Digest.ToString());
        }

        await PushReferrerAsync(repo, image, "application/vnd.example.other", "{}");
        pushed.Sort(StringComparer.Ordinal);

        using var first = await _client.GetAsync($"/v2/{repo}/referrers/{image.Digest}?n=2&artifactType=application/vnd.example.n");
        Assert.Equal(pushed[..2], Digests(await ReadJson(first)));
        Assert.Equal($"</v2/{repo}/referrers/{image.Digest}?n=2&last={pushed[1]}&artifactType=application%2Fvnd.example.n>; rel=\"next\"",
            first.Header("Link"));

        using var last = await _client.GetAsync($"/v2/{repo}/referrers/{image.Digest}?n=2&last={pushed[3]}&artifactType=application/vnd.example.n");
        Assert.Equal(pushed[4..], Digests(await ReadJson(last)));
        Assert.Null(last.Header("Link"));

        using var badLast = await _client.GetAsync($"/v2/{repo}/referrers/{image.Digest}?last=v1");
        await RegistryHttp.AssertOciErrorAsync(badLast, HttpStatusCode.BadRequest, "QUERY_PARAMETER_INVALID");
    }

    /// <summary>
    /// The spec's "SHOULD accept manifests of at least 4 MB", as the official conformance suite pushes it: a
    /// manifest of about 3.9 MB that is nearly all annotations. Its bytes come back whole; the referrers
    /// descriptor keeps only the 4 KiB cut.
    /// </summary>
    [Fact]
    public async Task PushManifest_OfNearly4MBThatIsAllAnnotations_Created_ReadBackWhole_ReferrersKeepTheCut()
    {
        var repo = RegistryFixture.NewRepository("annotations");
        var image = TestImage.Create(seed: 44);
        await _client.PushImageAsync(repo, "v1", image);
        var empty = TestBlob.Json(MediaTypes.OciEmpty, "{}");
        await _client.PushBlobAsync(repo, empty);
        var annotations = BigAnnotations(0, 3_910_000);
        var large = TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"application/vnd.example.large","config":{{empty.DescriptorJson()}},"layers":[],"subject":{{image.Manifest.DescriptorJson()}},"annotations":{{annotations}}}
            """);

        using (var put = await _client.PutManifestAsync(repo, large.Digest.ToString(), large))
        {
            Assert.True(put.StatusCode == HttpStatusCode.Created, await RegistryHttp.Describe(put));
        }

        using var get = await _client.GetAsync($"/v2/{repo}/manifests/{large.Digest}");
        using var referrers = await _client.GetAsync($"/v2/{repo}/referrers/{image.Digest}");

        Assert.InRange(Encoding.UTF8.GetByteCount(annotations), 3_900_000, 3_910_000);
        Assert.Equal(large.Bytes, await get.Content.ReadAsByteArrayAsync());
        var descriptor = Assert.Single((await ReadJson(referrers)).GetProperty("manifests").EnumerateArray());
        Assert.Equal(large.Digest.ToString(), descriptor.GetProperty("digest").GetString());
        Assert.Equal(large.Size, descriptor.GetProperty("size").GetInt64());
        var cut = descriptor.GetProperty("annotations");
        Assert.True(Encoding.UTF8.GetByteCount(cut.GetRawText()) <= AnnotationLimits.MaxDescriptorBytes, cut.GetRawText().Length.ToString());
        Assert.Equal("small-0", cut.GetProperty("org.example.small").GetString());
    }

    /// <summary>
    /// An annotations object of about <paramref name="bytes"/> bytes: one small entry first, then 3 KiB
    /// values (the descriptor cut keeps the small one and the first big one).
    /// </summary>
    private static string BigAnnotations(int seed, int bytes)
    {
        var json = new StringBuilder($$"""{"org.example.small":"small-{{seed}}" """.TrimEnd());
        for (var i = 0; json.Length + 3100 < bytes; i++)
        {
            json.Append($$""","org.example.big.{{i}}":"{{new string((char)('a' + (seed + i) % 26), 3 * 1024)}}" """.TrimEnd());
        }

        json.Append(",\"org.example.pad\":\"").Append('p', Math.Max(0, bytes - json.Length - 24)).Append("\"}");
        return json.ToString();
    }

    private static List<string> Digests(JsonElement index) =>
        index.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("digest").GetString()!).ToList();

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

    private async Task<TestBlob> PushReferrerAsync(string repo, TestImage image, string artifactType, string content, string? annotations = null)
    {
        var body = TestBlob.Json(artifactType, content);
        var empty = TestBlob.Json(MediaTypes.OciEmpty, "{}");
        await _client.PushBlobAsync(repo, body);
        await _client.PushBlobAsync(repo, empty);
        var manifest = TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"{{artifactType}}","config":{{empty.DescriptorJson()}},"layers":[{{body.DescriptorJson()}}],"subject":{{image.Manifest.DescriptorJson()}}{{(annotations is null ? "" : $",\"annotations\":{annotations}")}}}
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
