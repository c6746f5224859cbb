using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Lifecycle;
using OciCache.Oci;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// An upstream whose blob body never ends (no Content-Length, chunks forever): a fetch stops one byte past
/// the size a manifest stated, or past <c>Cache:MaxBlobBytes</c> when nothing stated one, and keeps nothing.
/// </summary>
public sealed class BlobSizeBoundTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Copy_LayerBodyLongerThanItsDescriptor_FailsOneBytePastTheSizeAndStoresNothing()
    {
        var layer = TestBlob.Random(100, seed: 1901, "application/vnd.oci.image.layer.v1.tar+gzip");
        var image = TestImage.Compose([new TestLayer(layer, layer.Digest.ToString())], seed: 1901);
        await using var upstream = await ScriptedUpstream.StartAsync(context => context.Request.Path.Value switch
        {
            "/v2/library/endless/manifests/1" => WriteAsync(context, image.Manifest),
            var p when p == $"/v2/library/endless/blobs/{image.Config.Digest}" => WriteAsync(context, image.Config),
            var p when p == $"/v2/library/endless/blobs/{layer.Digest}" => EndlessAsync(context),
            _ => NotFoundAsync(context),
        });
        await using var cache = await CacheServer.StartAsync("docker.io", upstream.Url);
        var copier = cache.Services.GetRequiredService<ImageCopier>();

        var failure = await Assert.ThrowsAsync<FailureException>(() => copier.CopyAsync(
            Repository.Mirror("docker.io", "library/endless"), Reference.ForTag("1"), [], new CopyTally(), CancellationToken.None).WaitAsync(Guard));

        Assert.Contains("more than the 100 bytes expected", failure.Message);
        Assert.Null(await cache.Services.GetRequiredService<IBlobStore>().GetLengthAsync(layer.Digest));
        Assert.Equal(0, cache.Services.GetRequiredService<FillCoordinator>().Active);
    }

    [Fact]
    public async Task ClientPull_UnknownSizePastMaxBlobBytes_IsCutAndTheFillStops()
    {
        var digest = TestBlob.Random(16, seed: 1902).Digest;
        await using var upstream = await ScriptedUpstream.StartAsync(EndlessAsync);
        await using var cache = await CacheServer.StartAsync("docker.io", upstream.Url, s => s.Cache.MaxBlobBytes = 1 << 20);

        // The cut comes mid-body, or, when the upstream outran the response (a loaded machine), before its
        // headers: then the connection is reset and the client got nothing. Either way no byte past the cap.
        long received = 0;
        try
        {
            using var response = await cache.Client.GetAsync($"/v2/library/endless/blobs/{digest}?ns=docker.io", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            received = await DrainAsync(response, limit: 8 << 20).WaitAsync(Guard);
        }
        catch (HttpRequestException e) when (e.InnerException is IOException)
        {
            // reset before the headers
        }

        Assert.True(received <= 1 << 20, $"the client got {received} bytes past Cache:MaxBlobBytes");
        if (cache.Services.GetRequiredService<FillCoordinator>().Find(digest) is { } fill)
        {
            await fill.Completion.WaitAsync(Guard);
        }

        Assert.Null(await cache.Services.GetRequiredService<IBlobStore>().GetLengthAsync(digest));
    }

    /// <summary>Reads until the body ends or breaks, at most <paramref name="limit"/> bytes; the count read.</summary>
    private static async Task<long> DrainAsync(HttpResponseMessage response, long limit)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long total = 0;
        try
        {
            int read;
            while (total <= limit && (read = await body.ReadAsync(buffer)) > 0)
            {
                total += read;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            // cut off: what the test expects
        }

        return total;
    }

    private static Task WriteAsync(HttpContext context, TestBlob blob)
    {
        context.Response.ContentType = blob.MediaType;
        context.Response.ContentLength = blob.Size;
        context.Response.Headers["Docker-Content-Digest"] = blob.Digest.ToString();
        return context.Response.Body.WriteAsync(blob.Bytes).AsTask();
    }

    private static Task NotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    /// <summary>Chunked bytes until the cache hangs up.</summary>
    private static async Task EndlessAsync(HttpContext context)
    {
        context.Response.ContentType = "application/octet-stream";
        var chunk = new byte[64 * 1024];
        try
        {
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // the cache went away
        }
    }
}
