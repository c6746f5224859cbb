using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Storage;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>Any number of requests for an uncached blob share one upstream fetch.</summary>
public sealed class SingleFlightTests
{
    private const string Ns = "?ns=docker.io";

    [Fact]
    public async Task SixteenConcurrentColdRequests_IncludingLateJoinersAndRanges_CauseOneUpstreamGet()
    {
        using var hub = FakeUpstream.Start();
        var blob = TestBlob.Random(24 << 20, seed: 601);
        hub.Blob("library/big", blob);
        using var wan = TcpRelay.To(new Uri(hub.Url), bytesPerSecond: 12 << 20); // ~2 s to fetch: requests overlap the fill
        await using var cache = await CacheServer.StartAsync("docker.io", wan.Url);
        var path = $"/v2/library/big/blobs/{blob.Digest}{Ns}";

        var ranges = new (long From, long? To)?[] { null, (0, 1023), ((12 << 20) + 5, null), (blob.Size - 100, null) };
        var first = Enumerable.Range(0, 8).Select(i => FetchAsync(cache.Client, path, blob, i < ranges.Length ? ranges[i] : null)).ToList();
        await Task.Delay(700); // the second wave joins a fill that is well under way
        var late = Enumerable.Range(0, 8).Select(i => FetchAsync(cache.Client, path, blob, i < ranges.Length ? ranges[i] : null)).ToList();
        await Task.WhenAll(first.Concat(late));

        Assert.Equal(1, hub.CountServed("GET", $"/blobs/{blob.Digest}"));
        await Eventually.TrueAsync(() => File.Exists(new DataLayout(cache.DataPath).BlobPath(blob.Digest)), "the blob is cached");
        Assert.InRange(wan.BytesToClient, blob.Size, blob.Size + 64 * 1024); // one copy crossed the "WAN"
    }

    [Fact]
    public async Task ClientLeavingMidDownload_DoesNotAbortTheFill()
    {
        using var hub = FakeUpstream.Start();
        var blob = TestBlob.Random(8 << 20, seed: 602);
        hub.Blob("library/big", blob);
        using var wan = TcpRelay.To(new Uri(hub.Url), bytesPerSecond: 4 << 20);
        await using var cache = await CacheServer.StartAsync("docker.io", wan.Url);

        await ReadALittleAndLeaveAsync(cache, $"/v2/library/big/blobs/{blob.Digest}{Ns}");

        var layout = new DataLayout(cache.DataPath);
        await Eventually.TrueAsync(() => File.Exists(layout.BlobPath(blob.Digest)), "the fill went on without its client");
        Assert.NotNull(cache.Services.GetRequiredService<IMetadataIndex>().GetBlob(blob.Digest));
        Assert.Equal(1, hub.CountServed("GET", $"/blobs/{blob.Digest}"));
    }

    [Fact]
    public async Task ClientLeavingMidDownload_WithOrphanedFillsDisabled_AbortsAndKeepsNothing()
    {
        using var hub = FakeUpstream.Start();
        var blob = TestBlob.Random(8 << 20, seed: 603);
        hub.Blob("library/big", blob);
        using var wan = TcpRelay.To(new Uri(hub.Url), bytesPerSecond: 2 << 20);
        await using var cache = await CacheServer.StartAsync("docker.io", wan.Url, s => s.Cache.CompleteOrphanedFills = false);

        await ReadALittleAndLeaveAsync(cache, $"/v2/library/big/blobs/{blob.Digest}{Ns}");

        var layout = new DataLayout(cache.DataPath);
        await Eventually.TrueAsync(() => !Directory.EnumerateFiles(layout.Temp).Any(), "the abandoned fill cleaned up");
        await Task.Delay(5000); // longer than the whole fetch would take
        Assert.False(File.Exists(layout.BlobPath(blob.Digest)));
    }

    private static async Task FetchAsync(HttpClient client, string path, TestBlob blob, (long From, long? To)? range)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (range is { } r)
        {
            request.Headers.Range = new RangeHeaderValue(r.From, r.To);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (range is { } requested)
        {
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            var end = requested.To ?? blob.Size - 1;
            Assert.Equal($"bytes {requested.From}-{end}/{blob.Size}", response.Content.Headers.ContentRange?.ToString());
            Assert.True(blob.Bytes.AsSpan((int)requested.From, (int)(end - requested.From + 1)).SequenceEqual(body), $"range {requested} differs");
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(blob.Bytes.AsSpan().SequenceEqual(body), "whole blob differs");
        }
    }

    private static async Task ReadALittleAndLeaveAsync(RegistryServer cache, string path)
    {
        using var client = new HttpClient { BaseAddress = cache.BaseUri };
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        await body.ReadExactlyAsync(buffer);
    }
}
