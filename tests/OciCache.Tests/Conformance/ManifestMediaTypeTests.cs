using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using OciCache.Oci;
using OciCache.Upstream;

namespace OciCache.Tests.Conformance;

/// <summary>
/// A manifest is stored and served with its media type, so only manifest media types are accepted (OCI and
/// Docker manifests and indexes, artifact manifests of a JSON type): stored content is never served back as
/// a page. Every response says <c>X-Content-Type-Options: nosniff</c>.
/// </summary>
public sealed class ManifestMediaTypeTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Theory]
    [InlineData("text/html")]
    [InlineData("text/html; charset=utf-8")]
    [InlineData("image/svg+xml")]
    [InlineData("application/xhtml+xml")]
    [InlineData("text/plain")]
    [InlineData("application/octet-stream")]
    [InlineData("application/javascript")]
    public async Task Put_WithANonManifestContentType_Answers400ManifestInvalid(string contentType)
    {
        var repo = RegistryFixture.NewRepository("html");
        var image = TestImage.Create(layers: 1, layerBytes: 100, seed: 71);
        foreach (var blob in image.Blobs)
        {
            await _client.PushBlobAsync(repo, blob);
        }

        var content = new ByteArrayContent(image.Manifest.Bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var put = await _client.PutAsync($"/v2/{repo}/manifests/page", content);

        await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
        using var get = await _client.GetAsync($"/v2/{repo}/manifests/page");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Put_WithoutContentType_BodyMediaTypeHtml_Answers400ManifestInvalid()
    {
        var repo = RegistryFixture.NewRepository("html");
        var content = new ByteArrayContent("""{"mediaType":"text/html","x":"<script>alert(1)</script>"}"""u8.ToArray());
        content.Headers.ContentType = null;

        using var put = await _client.PutAsync($"/v2/{repo}/manifests/page", content);

        await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    /// <summary>
    /// Docker schema1 is refused on push, as distribution does by default: its <c>fsLayers</c> are not
    /// descriptors, so the references a push must hold could not be checked (a <c>prettyjws</c> naming a
    /// blob the registry lacks was stored).
    /// </summary>
    [Theory]
    [InlineData(MediaTypes.DockerSchema1Signed)]
    [InlineData(MediaTypes.DockerSchema1)]
    public async Task Put_Schema1_Answers400ManifestInvalid(string mediaType)
    {
        var repo = RegistryFixture.NewRepository("schema1");
        var missing = TestBlob.Random(100, seed: 74).Digest;
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":1,"name":"{{repo}}","tag":"v1","architecture":"amd64",
             "fsLayers":[{"blobSum":"{{missing}}"}],"history":[{"v1Compatibility":"{}"}],
             "signatures":[{"header":{"alg":"ES256"},"signature":"c2ln","protected":"cHJvdA"}]}
            """));
        content.Headers.TryAddWithoutValidation("Content-Type", mediaType);

        using var put = await _client.PutAsync($"/v2/{repo}/manifests/v1", content);

        await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
        using var get = await _client.GetAsync($"/v2/{repo}/manifests/v1");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task ManifestsBlobsAndErrors_AreServedWithNosniff()
    {
        var repo = RegistryFixture.NewRepository("nosniff");
        var image = TestImage.Create(layers: 1, layerBytes: 100, seed: 72);
        await _client.PushImageAsync(repo, "v1", image);

        foreach (var path in new[] { $"/v2/{repo}/manifests/v1", $"/v2/{repo}/blobs/{image.Layers[0].Digest}", $"/v2/{repo}/manifests/absent" })
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                using var response = await _client.SendAsync(new HttpRequestMessage(method, path));
                Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
            }
        }
    }

    [Theory]
    [InlineData("text/html", HttpStatusCode.NotFound)]
    [InlineData(MediaTypes.OciManifest, HttpStatusCode.OK)]
    [InlineData("text/plain", HttpStatusCode.OK)] // generic: the body's mediaType decides, as before
    public async Task UpstreamManifest_OnlyOfAManifestType_IsServed_WithNosniff(string upstreamType, HttpStatusCode expected)
    {
        var image = TestImage.Create(layers: 1, layerBytes: 100, seed: 73);
        var bytes = image.Manifest.Bytes;
        await using var upstream = await ScriptedUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = upstreamType;
            context.Response.Headers["Docker-Content-Digest"] = image.Digest.ToString();
            context.Response.ContentLength = bytes.Length;
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await context.Response.Body.WriteAsync(bytes);
            }
        });
        await using var server = await RegistryServer.StartAsync(s => s.Upstreams["docker.io"] = new UpstreamOptions { Url = upstream.Url });

        using var response = await server.Client.GetAsync("/v2/docker.io/library/app/manifests/v1");

        Assert.True(response.StatusCode == expected, await RegistryHttp.Describe(response));
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(MediaTypes.OciManifest, response.Content.Headers.ContentType?.MediaType);
        }
        else
        {
            await RegistryHttp.AssertOciErrorAsync(response, expected, "MANIFEST_UNKNOWN");
        }
    }
}
