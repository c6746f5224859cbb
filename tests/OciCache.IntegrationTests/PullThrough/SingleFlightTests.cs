using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Observability;
using OciCache.PullThrough;
using OciCache.Storage;
using Serilog.Events;

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
        using var wan = TcpRelay.To(new Uri(hub.Url));
        // The stall clock runs while the link is held below; it must outlast any machine's pace.
        await using var cache = await CacheServer.StartAsync("docker.io", wan.Url, s => s.UpstreamPolicy.StallTimeout = TimeSpan.FromMinutes(5));
        var path = $"/v2/library/big/blobs/{blob.Digest}{Ns}";
        var misses = cache.Services.GetRequiredService<CacheMetrics>().Misses;

        // The link stalls a third of the way through the blob, so the fill cannot end before the second wave joins it.
        var underWay = wan.HoldAfter(8 << 20);
        var ranges = new (long From, long? To)?[] { null, (0, 1023), ((12 << 20) + 5, null), (blob.Size - 100, null) };
        var first = Enumerable.Range(0, 8).Select(i => FetchAsync(cache.Client, path, blob, i < ranges.Length ? ranges[i] : null)).ToList();
        await underWay.WaitAsync(Eventually.DefaultTimeout);
        var late = Enumerable.Range(0, 8).Select(i => FetchAsync(cache.Client, path, blob, i < ranges.Length ? ranges[i] : null)).ToList();

        // Every request is a miss that joined a fill (a request served from the store would be a hit), and there is one fill.
        await Eventually.TrueAsync(() => misses.Sum(("kind", "blob")) == 16, "all sixteen requests join the fill");
        Assert.Equal(1, cache.Services.GetRequiredService<FillCoordinator>().Active);
        wan.Release();
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
        using var wan = TcpRelay.To(new Uri(hub.Url));
        await using var cache = await CacheServer.StartAsync("docker.io", wan.Url);
        var held = wan.HoldAfter(1 << 20); // the fill cannot finish while its client is still there

        await ReadALittleAndLeaveAsync(cache, $"/v2/library/big/blobs/{blob.Digest}{Ns}");

        var fill = cache.Services.GetRequiredService<FillCoordinator>().Find(blob.Digest);
        Assert.NotNull(fill);
        await held.WaitAsync(Eventually.DefaultTimeout);
        await Eventually.TrueAsync(() => fill.Leases == 0, "the server notices that its only client left");
        wan.Release();
        await fill.Completion.WaitAsync(Eventually.DefaultTimeout);

        Assert.True(fill.Published, $"the fill ended {fill.Phase} ({fill.Failure}) without its client");
        Assert.True(File.Exists(new DataLayout(cache.DataPath).BlobPath(blob.Digest)));
        Assert.NotNull(await cache.Services.GetRequiredService<IBlobIndex>().GetBlobAsync(blob.Digest));
        Assert.Equal(1, hub.CountServed("GET", $"/blobs/{blob.Digest}"));
    }

    [Fact]
    public async Task ClientLeavingMidDownload_WithOrphanedFillsDisabled_AbortsAndKeepsNothing()
    {
        using var hub = FakeUpstream.Start();
        var blob = TestBlob.Random(8 << 20, seed: 603);
        hub.Blob("library/big", blob);
        using var wan = TcpRelay.To(new Uri(hub.Url));
        await using var cache = await CacheServer.StartAsync("docker.io", wan.Url, s => s.Cache.CompleteOrphanedFills = false);
        _ = wan.HoldAfter(1 << 20); // the fill cannot finish before its client left

        await ReadALittleAndLeaveAsync(cache, $"/v2/library/big/blobs/{blob.Digest}{Ns}");

        var fill = cache.Services.GetRequiredService<FillCoordinator>().Find(blob.Digest);
        Assert.NotNull(fill);
        await fill.Completion.WaitAsync(Eventually.DefaultTimeout);
        Assert.Equal(FillPhase.Failed, fill.Phase);
        Assert.Contains("abandoned", fill.Failure?.Detail);
        wan.Release(); // the rest of the blob may flow now: nothing is left to take it
        var layout = new DataLayout(cache.DataPath);
        Assert.False(File.Exists(layout.BlobPath(blob.Digest)));
        Assert.Empty(Directory.EnumerateFiles(layout.Temp));
        Assert.Null(await cache.Services.GetRequiredService<IBlobIndex>().GetBlobAsync(blob.Digest));
        Assert.True(cache.Log.Contains(LogEventLevel.Warning, $"Fetch of blob {blob.Digest} failed"), cache.Log.ToString());
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
