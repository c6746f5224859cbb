using System.Net;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// <c>ocicache serve</c> with <c>Storage:Backend=s3</c> against Ceph RGW, through skopeo: a push goes into
/// the bucket (chunked upload sessions as objects), a pull comes back byte for byte through redirects to
/// pre-signed URLs, and ranges are served by the cache from the bucket.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class S3ServeTests(ScaleOutBackends backends) : IDisposable
{
    private readonly TempDirectory _temp = new("s3serve");

    [Fact]
    public async Task Skopeo_PushesIntoTheBucket_AndPullsBackByteIdentical_ThroughRedirects()
    {
        var bucket = S3Stores.NewBucket("serve");
        var secretFile = _temp.Combine("s3-secret");
        await File.WriteAllTextAsync(secretFile, backends.Ceph.SecretKey + "\n");
        await using var server = await OciCacheProcess.StartAsync(_temp.Combine("data"), environment: new Dictionary<string, string>
        {
            ["OCICACHE_STORAGE__BACKEND"] = "s3",
            ["OCICACHE_STORAGE__S3__ENDPOINT"] = backends.Ceph.Endpoint.ToString(),
            ["OCICACHE_STORAGE__S3__BUCKET"] = bucket,
            ["OCICACHE_STORAGE__S3__REGION"] = backends.Ceph.Region,
            ["OCICACHE_STORAGE__S3__ACCESSKEY"] = backends.Ceph.AccessKey,
            ["OCICACHE_STORAGE__S3__SECRETKEYFILE"] = secretFile,
            ["OCICACHE_STORAGE__S3__PREFIX"] = "cache/",
            ["OCICACHE_STORAGE__S3__REDIRECT"] = "true",
        });
        var host = $"{server.BaseUri.Host}:{server.BaseUri.Port}";
        var image = TestImage.Create(ImageFormat.Oci, layers: 3, layerBytes: 256 * 1024, seed: 122);
        var source = _temp.Combine("source");
        TestImage.WriteOciLayout(source, "v1", image.Manifest, image.Blobs);

        await Skopeo.CheckedAsync("copy", "--dest-tls-verify=false", "--preserve-digests", $"oci:{source}:v1", $"docker://{host}/s3/app:v1");
        var back = _temp.Combine("back");
        await Skopeo.CheckedAsync("copy", "--src-tls-verify=false", "--preserve-digests", $"docker://{host}/s3/app:v1", $"oci:{back}:v1");

        foreach (var blob in image.Blobs.Append(image.Manifest))
        {
            Assert.Equal(blob.Bytes, await File.ReadAllBytesAsync(Path.Combine(back, "blobs", "sha256", blob.Hex)));
        }

        var layer = image.Blobs.Last();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseUri };
        using (var full = await client.GetAsync($"/v2/s3/app/blobs/{layer.Digest}"))
        {
            Assert.Equal(HttpStatusCode.TemporaryRedirect, full.StatusCode);
            Assert.Equal(backends.Ceph.Endpoint.Authority, full.Headers.Location!.Authority);
            Assert.Contains($"/{bucket}/cache/blobs/sha256/{layer.Hex}", full.Headers.Location.AbsolutePath, StringComparison.Ordinal);
        }

        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/v2/s3/app/blobs/{layer.Digest}") { Headers = { Range = new(1000, 1999) } };
        using var partial = await client.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(layer.Bytes.AsSpan(1000, 1000).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain(backends.Ceph.SecretKey, server.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
