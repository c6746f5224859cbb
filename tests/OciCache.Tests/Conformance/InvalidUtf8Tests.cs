using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using OciCache.Oci;
using OciCache.Upstream;

namespace OciCache.Tests.Conformance;

/// <summary>
/// A manifest whose strings are not UTF-8 (JSON must be, RFC 8259 §8.1) is MANIFEST_INVALID when pushed,
/// and a clean, negatively cached error when an upstream sends it: never a 500 nor a stack trace.
/// </summary>
public sealed class InvalidUtf8Tests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private const string Empty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    /// <summary>An OCI image manifest (config: the empty descriptor, no layers) with 0xFF in an annotation value.</summary>
    private static byte[] BadManifest()
    {
        var head = System.Text.Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}",
             "config":{"mediaType":"{{MediaTypes.OciEmpty}}","digest":"{{Empty}}","size":2},"layers":[],
             "annotations":{"k":"
            """);
        return [.. head, 0xFF, 0xFE, .. "\"}}"u8];
    }

    [Fact]
    public async Task Push_ManifestWithInvalidUtf8_Answers400ManifestInvalid()
    {
        var repo = RegistryFixture.NewRepository("utf8");
        await fixture.Client.PushBlobAsync(repo, new TestBlob(MediaTypes.OciEmpty, "{}"u8.ToArray()));
        var content = new ByteArrayContent(BadManifest());
        content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.OciManifest);

        using var put = await fixture.Client.PutAsync($"/v2/{repo}/manifests/v1", content);

        await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
        using var get = await fixture.Client.GetAsync($"/v2/{repo}/manifests/v1");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Pull_UpstreamManifestWithInvalidUtf8_IsACleanError_NegativelyCached()
    {
        var bad = BadManifest();
        await using var upstream = await ScriptedUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = MediaTypes.OciManifest;
            context.Response.Headers["Docker-Content-Digest"] = Digest.ComputeSha256(bad).ToString();
            context.Response.ContentLength = bad.Length;
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await context.Response.Body.WriteAsync(bad);
            }
        });
        await using var server = await RegistryServer.StartAsync(s => s.Upstreams["docker.io"] = new UpstreamOptions { Url = upstream.Url });

        for (var i = 0; i < 2; i++)
        {
            using var response = await server.Client.GetAsync("/v2/docker.io/library/app/manifests/v1");

            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode is >= 400 and < 500, await RegistryHttp.Describe(response));
            await RegistryHttp.AssertOciErrorAsync(response, response.StatusCode, "MANIFEST_UNKNOWN");
            Assert.DoesNotContain("Exception", body);
            Assert.DoesNotContain("   at ", body);
        }

        Assert.Single(upstream.Paths, p => p.Contains("/manifests/", StringComparison.Ordinal));
    }
}
