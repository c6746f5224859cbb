using System.Net;
using System.Security.Cryptography;
using OciCache.Oci;
using Xunit.Abstractions;

namespace OciCache.IntegrationTests;

/// <summary>
/// No whole blob in memory, ever: pushing and pulling a 1 GiB blob through the real executable must not
/// grow its resident memory by more than a few MiB beyond what a small blob costs.
/// </summary>
public sealed class MemoryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long OneGiB = 1L << 30;
    private const long AllowedGrowth = 24L << 20;

    /// <summary>
    /// Annotations of each referrer in the listing test: far over the 4 KiB a descriptor keeps, so every row
    /// holds a cut copy (the size that once broke the server), yet cheap enough to push 400 times.
    /// </summary>
    private const int ReferrerAnnotationBytes = 64 * 1024;

    private readonly TempDirectory _data = new("memory");
    private OciCacheProcess _server = null!;

    public async Task InitializeAsync() =>
        _server = await OciCacheProcess.StartAsync(_data.Path, ["--log-level", "Warning"], port: OciCacheProcess.FreePort());

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task PushAndPullOfOneGiBBlob_KeepsMemoryFlat()
    {
        using var client = new HttpClient { BaseAddress = _server.BaseUri, Timeout = TimeSpan.FromMinutes(5) };
        // Warm up every code path with a small blob first, so the baseline includes JIT and pools.
        var small = await PushAsync(client, 8L << 20, seed: 1);
        await PullAsync(client, small, 8L << 20);
        var baseline = _server.ReadRssBytes();

        long peak;
        await using (var sampler = new RssSampler(_server.ReadRssBytes))
        {
            var big = await PushAsync(client, OneGiB, seed: 2);
            await PullAsync(client, big, OneGiB);
            peak = sampler.Peak;
        }

        Assert.True(peak - baseline < AllowedGrowth,
            $"RSS grew from {baseline >> 20} MiB to {peak >> 20} MiB while moving 1 GiB (allowed: {AllowedGrowth >> 20} MiB)");
    }

    [Fact]
    public async Task ColdPullOfOneGiBBlobThroughTheCache_KeepsMemoryFlat()
    {
        await using var upstream = await DistributionRegistry.StartAsync();
        var digest = PatternStream.DigestOf(OneGiB, 3);
        using (var content = new StreamContent(new PatternStream(OneGiB, 3), 256 * 1024))
        {
            content.Headers.ContentLength = OneGiB;
            await upstream.Client.PushBlobAsync("library/huge", digest, content);
        }

        using var data = new TempDirectory("memory-cold");
        await using var cache = await OciCacheProcess.StartAsync(data.Path,
            ["--log-level", "Warning", "--upstream", $"docker.io={upstream.BaseUri}"], port: OciCacheProcess.FreePort());
        using var client = new HttpClient { BaseAddress = cache.BaseUri, Timeout = TimeSpan.FromMinutes(5) };
        var small = PatternStream.DigestOf(8L << 20, 4);
        using (var content = new StreamContent(new PatternStream(8L << 20, 4)))
        {
            await upstream.Client.PushBlobAsync("library/huge", small, content);
        }

        await PullAsync(client, small, 8L << 20, "/v2/docker.io/library/huge"); // warm the code paths
        var baseline = cache.ReadRssBytes();

        long peak;
        await using (var sampler = new RssSampler(cache.ReadRssBytes))
        {
            await PullAsync(client, digest, OneGiB, "/v2/docker.io/library/huge");
            peak = sampler.Peak;
        }

        Assert.True(peak - baseline < AllowedGrowth,
            $"RSS grew from {baseline >> 20} MiB to {peak >> 20} MiB during a 1 GiB cold pull (allowed: {AllowedGrowth >> 20} MiB)");
        // Committed after the client's last byte (fsync of 1 GiB on a busy disk included): a wide margin.
        await Eventually.TrueAsync(() => File.Exists(new OciCache.Storage.DataLayout(data.Path).BlobPath(digest)), "the cold blob is cached",
            TimeSpan.FromMinutes(5));
    }

    /// <summary>
    /// Issue 11, item 2: a referrers list used to be built whole in memory with every referrer's annotations
    /// (30 manifests of 4 MiB annotations: +471 MiB for one GET). Now the annotations a descriptor copies are
    /// cut and the list is paged, so concurrent readers of a list of hundreds of referrers, each with
    /// annotations at the push limit, cost a page each.
    /// </summary>
    [Fact]
    public async Task ConcurrentReferrersListsOfManyLargeAnnotationManifests_KeepMemoryFlat()
    {
        const int referrers = 400;
        const int readers = 4;
        using var client = new HttpClient { BaseAddress = _server.BaseUri, Timeout = TimeSpan.FromMinutes(5) };
        var empty = TestBlob.Json(MediaTypes.OciEmpty, "{}");
        await client.PushBlobAsync("memory/referrers", empty);
        var subject = await PushSubjectAsync(client, empty, "big");
        var warm = await PushSubjectAsync(client, empty, "warm");
        await PushReferrersAsync(client, empty, warm, 3);
        await PushReferrersAsync(client, empty, subject, referrers);
        Assert.Equal(3, await ReadReferrersAsync(client, warm)); // warm the code paths
        var baseline = _server.ReadRssBytes();

        long peak;
        int[] listed;
        await using (var sampler = new RssSampler(_server.ReadRssBytes))
        {
            try
            {
                listed = await Task.WhenAll(Enumerable.Range(0, readers).Select(_ => ReadReferrersAsync(client, subject)));
            }
            finally
            {
                peak = sampler.Peak;
                output.WriteLine($"RSS {baseline >> 20} MiB before, peak {peak >> 20} MiB while {readers} clients listed {referrers} referrers");
            }
        }

        Assert.All(listed, count => Assert.Equal(referrers, count));
        Assert.True(peak - baseline < AllowedGrowth,
            $"RSS grew from {baseline >> 20} MiB to {peak >> 20} MiB while {readers} clients listed {referrers} referrers " +
            $"with {ReferrerAnnotationBytes >> 10} KiB of annotations each (allowed: {AllowedGrowth >> 20} MiB)");
    }

    private static async Task<TestBlob> PushSubjectAsync(HttpClient client, TestBlob empty, string tag)
    {
        var subject = TestBlob.Json(MediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{{empty.DescriptorJson()}},"layers":[],"annotations":{"tag":"{{tag}}"} }
            """);
        await client.PushManifestAsync("memory/referrers", tag, subject);
        return subject;
    }

    /// <summary>Referrers of <paramref name="subject"/>, each with <see cref="ReferrerAnnotationBytes"/> of annotations.</summary>
    private static async Task PushReferrersAsync(HttpClient client, TestBlob empty, TestBlob subject, int count)
    {
        var filler = new string('a', ReferrerAnnotationBytes - 200);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            var manifest = TestBlob.Json(MediaTypes.OciManifest, $$"""
                {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"application/vnd.example.big","config":{{empty.DescriptorJson()}},"layers":[],"subject":{{subject.DescriptorJson()}},"annotations":{"i":"{{i}}","filler":"{{filler}}"} }
                """);
            await client.PushManifestAsync("memory/referrers", manifest.Digest.ToString(), manifest);
        });
    }

    /// <summary>Reads every page of the list, following <c>Link</c>; returns how many referrers it held.</summary>
    private static async Task<int> ReadReferrersAsync(HttpClient client, TestBlob subject)
    {
        var count = 0;
        string? next = $"/v2/memory/referrers/referrers/{subject.Digest}";
        while (next is not null)
        {
            using var response = await client.GetAsync(next, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await RegistryHttp.Describe(response));
            await using (var body = await response.Content.ReadAsStreamAsync())
            {
                using var json = await System.Text.Json.JsonDocument.ParseAsync(body);
                count += json.RootElement.GetProperty("manifests").GetArrayLength();
            }

            next = OciCache.Upstream.LinkHeader.FindNext(response.Headers.TryGetValues("Link", out var links) ? links : []);
        }

        return count;
    }

    private static async Task<Digest> PushAsync(HttpClient client, long length, ulong seed)
    {
        var digest = PatternStream.DigestOf(length, seed);
        using var content = new StreamContent(new PatternStream(length, seed), 256 * 1024);
        content.Headers.ContentLength = length;
        using var response = await client.PostAsync($"/v2/memory/big/blobs/uploads/?digest={digest}", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return digest;
    }

    private static async Task PullAsync(HttpClient client, Digest digest, long length, string repository = "/v2/memory/big")
    {
        using var response = await client.GetAsync($"{repository}/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(length, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal(digest, Digest.FromHash(Digest.Sha256, await SHA256.HashDataAsync(body)));
    }
}
