using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OciCache.IntegrationTests.PullThrough;
using OciCache.Lifecycle;
using OciCache.PullThrough;
using OciCache.Storage;

namespace OciCache.IntegrationTests.WebConsole;

/// <summary>/api/storage and /api/prefetch against real eviction and a real pre-fetch run.</summary>
public sealed class ConsoleStorageTests
{
    private const int LayerBytes = 1 << 20;

    [Fact]
    public async Task Storage_OverBudget_RuntimePinKeepsItsImage_EvictionIsListedAndTheNextInLineShown()
    {
        using var hub = FakeUpstream.Start();
        var images = new Dictionary<string, TestImage>();
        foreach (var (name, seed) in new[] { ("kept", 1350), ("a", 1351), ("b", 1352) })
        {
            images[name] = TestImage.Create(layers: 1, layerBytes: LayerBytes, seed: seed);
            hub.Image($"library/{name}", "1.0", images[name]);
        }

        var size = images["a"].Blobs.Append(images["a"].Manifest).Sum(b => b.Size);
        var budget = (long)(2.7 * size);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            s.Storage.MaxCacheBytes = budget;
            s.Storage.EvictionInterval = TimeSpan.FromMilliseconds(100);
            s.Storage.AccessFlushInterval = TimeSpan.FromMilliseconds(50);
        }, time);
        await cache.Services.GetRequiredService<RuntimePins>().AddAsync("docker.io/library/kept:*", "test");

        foreach (var name in new[] { "kept", "a", "b" })
        {
            await UpstreamAuthTests.AssertPullsAsync(cache.Client, $"library/{name}", "1.0", images[name], "?ns=docker.io");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var index = cache.Services.GetRequiredService<IEvictionIndex>();
        var fills = cache.Services.GetRequiredService<FillCoordinator>();
        await Eventually.TrueAsync(async () => fills.Active == 0 && await index.GetCachedBytesAsync() <= budget, "eviction brings the cache under its budget");

        using var storage = await ConsoleApiTests.GetJsonAsync(cache.Client, "/api/storage");
        var root = storage.RootElement;
        Assert.Equal(budget, root.GetProperty("budgetBytes").GetInt64());
        Assert.Equal(await index.GetCachedBytesAsync(), root.GetProperty("cachedBytes").GetInt64());
        var evicted = Assert.Single(root.GetProperty("recentEvictions").EnumerateArray(), e => e.GetProperty("repository").GetString() is not null);
        Assert.Equal("docker.io/library/a", evicted.GetProperty("repository").GetString());
        Assert.Equal(["1.0"], evicted.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var next = root.GetProperty("nextInLine").EnumerateArray().First(c => c.GetProperty("repository").GetString() is not null);
        Assert.Equal("docker.io/library/b", next.GetProperty("repository").GetString()); // the pinned one is never in line
        Assert.Equal(images["b"].Blobs.Append(images["b"].Manifest).Sum(b => b.Size), next.GetProperty("bytes").GetInt64()); // the whole image, not its manifest
        Assert.Contains(root.GetProperty("pins").EnumerateArray(), p => p.GetProperty("pattern").GetString() == "docker.io/library/kept:*" && p.GetProperty("source").GetString() == "runtime");
        Assert.Equal(["docker.io/library/b", "docker.io/library/kept"],
            root.GetProperty("largestImages").EnumerateArray().Select(i => i.GetProperty("repository").GetString()).Order());
        Assert.True(root.GetProperty("bytesByUpstream").GetProperty("docker.io").GetInt64() > 0);
    }

    [Fact]
    public async Task Storage_LocalPushAndMirrorPullSharingALayer_FiguresAddUpInApiAndPage()
    {
        var shared = TestImage.Layer(13600, 96 * 1024);
        var mirror = TestImage.Compose([shared, TestImage.Layer(13601, 48 * 1024)], seed: 1360);
        var local = TestImage.Compose([shared, TestImage.Layer(13602, 32 * 1024)], seed: 1361);
        var other = TestImage.Create(layers: 1, layerBytes: 16 * 1024, seed: 1362);
        using var hub = FakeUpstream.Start();
        hub.Image("library/app", "1.0", mirror);
        hub.Image("library/other", "1.0", other);
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url);
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/app", "1.0", mirror, "?ns=docker.io");
        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/other", "1.0", other, "?ns=docker.io");
        await cache.Client.PushImageAsync("site/app", "v1", local);
        var fills = cache.Services.GetRequiredService<FillCoordinator>();
        await Eventually.TrueAsync(() => fills.Active == 0, "every fill ended");

        static long Sum(IEnumerable<TestBlob> blobs) => blobs.Sum(b => b.Size);
        var mirrorOnly = Sum(mirror.Blobs.Append(mirror.Manifest).Where(b => b.Digest != shared.Blob.Digest));
        var localOnly = Sum(local.Blobs.Append(local.Manifest).Where(b => b.Digest != shared.Blob.Digest));
        var otherBytes = Sum(other.Blobs.Append(other.Manifest));
        var stored = mirrorOnly + localOnly + otherBytes + shared.Blob.Size;

        using var storage = await ConsoleApiTests.GetJsonAsync(cache.Client, "/api/storage");
        var root = storage.RootElement;
        Assert.Equal(stored, root.GetProperty("storedBytes").GetInt64());
        // What Storage:MaxCacheBytes counts: upstream content no local image needs.
        Assert.Equal(mirrorOnly + otherBytes, root.GetProperty("cachedBytes").GetInt64());
        // By origin, each byte once: what only that origin holds, and what several share.
        var byOrigin = root.GetProperty("bytesByUpstream");
        Assert.Equal(mirrorOnly + otherBytes, byOrigin.GetProperty("docker.io").GetInt64());
        Assert.Equal(localOnly, byOrigin.GetProperty("local").GetInt64());
        Assert.Equal(shared.Blob.Size, root.GetProperty("sharedBytes").GetInt64());
        // Next in line: what evicting each would free, never an image that would free nothing.
        var next = root.GetProperty("nextInLine").EnumerateArray().Where(c => c.GetProperty("repository").GetString() is not null)
            .ToDictionary(c => c.GetProperty("repository").GetString()!, c => c.GetProperty("bytes").GetInt64());
        Assert.Equal(mirrorOnly, next["docker.io/library/app"]);
        Assert.Equal(otherBytes, next["docker.io/library/other"]);
        Assert.All(root.GetProperty("nextInLine").EnumerateArray(), c => Assert.True(c.GetProperty("bytes").GetInt64() > 0, c.ToString()));

        var page = await cache.Client.GetStringAsync("/ui/storage");
        Assert.Contains(OciCache.WebConsole.Pages.Html.Bytes(stored), page);
        Assert.Contains(OciCache.WebConsole.Pages.Html.Bytes(mirrorOnly + otherBytes), page);
        Assert.Contains(OciCache.WebConsole.Pages.Html.Bytes(shared.Blob.Size), page);
        Assert.Contains(OciCache.WebConsole.Pages.Html.Bytes(localOnly), page);
        Assert.DoesNotContain("class=\"low\"", page); // no budget, no low-water mark
    }

    [Fact]
    public async Task PrefetchRun_StartedByAnAdmin_RunsTheConfiguredImagesAndReportsTheRun()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 2, seed: 1353);
        hub.Image("library/app", "1.0", image);
        using var auth = new AuthSetup(("admin", "admin-pw-1353"));
        await using var cache = await CacheServer.StartAsync("docker.io", hub.Url, s =>
        {
            auth.Configure(a =>
            {
                a.Groups["admins"] = ["admin"];
                a.AdminGroup = "admins";
            })(s);
            s.Prefetch.Images = [new PrefetchImage { Image = "docker.io/library/app", Tags = ["1.0"] }];
            s.Prefetch.RunAtStart = false;
        });
        using var admin = AuthSetup.BasicClient(cache, "admin", "admin-pw-1353");

        using (var before = await ConsoleApiTests.GetJsonAsync(admin, "/api/prefetch"))
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Null, before.RootElement.GetProperty("lastRun").ValueKind);
            Assert.Equal("docker.io/library/app", before.RootElement.GetProperty("images")[0].GetProperty("image").GetString());
        }

        using (var started = await admin.PostAsync("/api/prefetch/run", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        var runs = cache.Services.GetRequiredService<PrefetchRuns>();
        await Eventually.TrueAsync(() => runs.Last is not null, "the pre-fetch run ends");
        using var after = await ConsoleApiTests.GetJsonAsync(admin, "/api/prefetch");
        var last = after.RootElement.GetProperty("lastRun");
        Assert.Equal("admin", last.GetProperty("startedBy").GetString());
        Assert.Equal(["docker.io/library/app:1.0"], last.GetProperty("images").EnumerateArray().Select(i => i.GetString()));
        Assert.Empty(last.GetProperty("failed").EnumerateArray());
        Assert.Equal(image.Blobs.Count(), last.GetProperty("blobsFetched").GetInt32());
        foreach (var blob in image.Blobs)
        {
            Assert.True(await cache.Services.GetRequiredService<IBlobStore>().GetLengthAsync(blob.Digest) is not null, $"{blob.Digest} was not fetched");
        }
    }
}
