using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using OciCache.Oci;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// Manifests being fetched from an upstream are held whole to be verified, so the bytes they may take at
/// once are bounded (<c>Cache:ManifestBytesInFlight</c>): big manifests past it are refused with 503 and
/// Retry-After, and cached images are served meanwhile.
/// </summary>
public sealed class ManifestBudgetTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task BigManifestsPastTheBudget_AreRefusedWith503_AndCachedImagesStillServe()
    {
        var cached = TestImage.Create(layers: 1, layerBytes: 1024, seed: 1951);
        var big = new[] { "a", "b", "c" }.ToDictionary(tag => tag, BigManifest);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await ScriptedUpstream.StartAsync(async context =>
        {
            var path = context.Request.Path.Value!;
            if (path == "/v2/library/small/manifests/1")
            {
                await WriteAsync(context, cached.Manifest, hold: null);
            }
            else if (path.StartsWith("/v2/library/big/manifests/", StringComparison.Ordinal) && big.TryGetValue(path[26..], out var manifest))
            {
                await WriteAsync(context, manifest, hold: release.Task);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });
        // Room for one 3.9 MB manifest, not for two.
        await using var cache = await CacheServer.StartAsync("docker.io", upstream.Url, s => s.Cache.ManifestBytesInFlight = 6 << 20);
        using (var warm = await cache.Client.GetAsync("/v2/library/small/manifests/1?ns=docker.io"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // Three pulls at once; the upstream holds each body after its first bytes.
        var pulls = big.Keys.Select(tag => cache.Client.GetAsync($"/v2/library/big/manifests/{tag}?ns=docker.io")).ToList();
        var refused = new List<HttpResponseMessage>();
        while (refused.Count < 2)
        {
            var done = await Task.WhenAny(pulls).WaitAsync(Guard);
            pulls.Remove(done);
            refused.Add(await done);
        }

        foreach (var response in refused)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Contains("Cache:ManifestBytesInFlight", await response.Content.ReadAsStringAsync());
        }

        using (var meanwhile = await cache.Client.GetAsync("/v2/library/small/manifests/1?ns=docker.io"))
        {
            Assert.Equal(HttpStatusCode.OK, meanwhile.StatusCode);
            Assert.Equal(cached.Manifest.Bytes, await meanwhile.Content.ReadAsByteArrayAsync());
        }

        release.TrySetResult();
        using var admitted = await pulls.Single().WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        var bytes = await admitted.Content.ReadAsByteArrayAsync();
        Assert.Contains(big.Values, m => m.Bytes.AsSpan().SequenceEqual(bytes));

        // Once the budget is free again, a refused manifest is fetched.
        var again = big.First(kv => kv.Value.Digest.ToString() != admitted.Headers.GetValues("Docker-Content-Digest").Single()).Key;
        using var retried = await cache.Client.GetAsync($"/v2/library/big/manifests/{again}?ns=docker.io").WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }

    /// <summary>An image manifest of about 3.9 MB (an annotation pads it, as big public indexes are).</summary>
    private static TestBlob BigManifest(string tag)
    {
        var config = TestBlob.Json("application/vnd.oci.image.config.v1+json", $$"""{"tag":"{{tag}}"}""");
        var pad = new string(tag[0], 3_900_000);
        var json = $$$"""{"schemaVersion":2,"mediaType":"{{{MediaTypes.OciManifest}}}","config":{{{config.DescriptorJson()}}},"layers":[],"annotations":{"pad":"{{{pad}}}"}}""";
        return new TestBlob(MediaTypes.OciManifest, Encoding.UTF8.GetBytes(json));
    }

    private static async Task WriteAsync(HttpContext context, TestBlob manifest, Task? hold)
    {
        context.Response.ContentType = manifest.MediaType;
        context.Response.ContentLength = manifest.Size;
        context.Response.Headers["Docker-Content-Digest"] = manifest.Digest.ToString();
        try
        {
            var first = Math.Min(1024, manifest.Bytes.Length);
            await context.Response.Body.WriteAsync(manifest.Bytes.AsMemory(0, first), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (hold is not null)
            {
                await hold.WaitAsync(context.RequestAborted);
            }

            await context.Response.Body.WriteAsync(manifest.Bytes.AsMemory(first), context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // the cache hung up (a refused fetch)
        }
    }
}
