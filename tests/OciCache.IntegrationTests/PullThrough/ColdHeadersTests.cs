using System.Net;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// A cold blob's response headers go to the client as soon as the upstream's arrived, not with the first
/// body byte: containerd's header timeout runs until then, and an upstream may be slow to start its body.
/// </summary>
public sealed class ColdHeadersTests
{
    [Fact]
    public async Task ColdBlob_UpstreamHoldsItsBodyAfterTheHeaders_ClientGetsTheHeadersMeanwhile()
    {
        var blob = TestBlob.Random(3 << 20, seed: 1701);
        using var upstream = new HeadersFirstServer(blob.Bytes, blob.Digest.ToString());
        await using var cache = await CacheServer.StartAsync("docker.io", upstream.Url);

        // Completes only if the headers come while the upstream still holds every body byte.
        using var response = await cache.Client
            .GetAsync($"/v2/library/slow/blobs/{blob.Digest}?ns=docker.io", HttpCompletionOption.ResponseHeadersRead)
            .WaitAsync(Eventually.DefaultTimeout);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(blob.Size, response.Content.Headers.ContentLength);
        Assert.Equal(0, upstream.BodiesSent);

        upstream.ReleaseBody();
        Assert.Equal(blob.Bytes, await response.Content.ReadAsByteArrayAsync());
    }
}
