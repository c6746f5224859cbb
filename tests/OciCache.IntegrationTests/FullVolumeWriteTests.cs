using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Storage;

namespace OciCache.IntegrationTests;

/// <summary>
/// Pushes onto a data volume with no space left (a real, full tmpfs): every write is refused as 507, and
/// nothing of it stays behind: the store verifies clean, and pushes work again once space returns. On a
/// read-only volume writes are refused as 503 and readiness says why.
/// </summary>
public sealed class FullVolumeWriteTests
{
    [Fact]
    public async Task UploadStart_OnFullVolume_Answers507_AndLeavesNoUploadFile()
    {
        await using var volume = await SmallFilesystem.MountAsync(8 << 20);
        await using var cache = await RegistryServer.StartAsync(dataPath: volume.Path);
        var filler = Fill(volume);

        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var post = await cache.Client.PostAsync("/v2/site/app/blobs/uploads/", null);
            await RegistryHttp.AssertOciErrorAsync(post, HttpStatusCode.InsufficientStorage, "UNKNOWN");
        }

        Assert.Empty(Directory.EnumerateFiles(new DataLayout(cache.DataPath).Uploads));
        await AssertConsistentAsync(cache);
        File.Delete(filler);
        await cache.Client.PushBlobAsync("site/app", TestBlob.Random(1000, seed: 901));
    }

    [Fact]
    public async Task ManifestPut_OnFullVolume_Answers507_AndKeepsNothing()
    {
        await using var volume = await SmallFilesystem.MountAsync(8 << 20);
        await using var cache = await RegistryServer.StartAsync(dataPath: volume.Path);
        var image = TestImage.Create(layers: 1, seed: 902);
        foreach (var blob in image.Blobs)
        {
            await cache.Client.PushBlobAsync("site/app", blob);
        }

        var filler = Fill(volume);

        using var put = await cache.Client.PutManifestAsync("site/app", "v1", image.Manifest);

        await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.InsufficientStorage, "UNKNOWN");
        Assert.Empty(Directory.EnumerateFiles(new DataLayout(cache.DataPath).Temp));
        await AssertConsistentAsync(cache);
        File.Delete(filler);
        await cache.Client.PushManifestAsync("site/app", "v1", image.Manifest);
    }

    [Fact]
    public async Task ReadOnlyVolume_FailsReadiness_AndWritesAnswer503_UntilWritableAgain()
    {
        await using var volume = await SmallFilesystem.MountAsync(8 << 20);
        await using var cache = await RegistryServer.StartAsync(dataPath: volume.Path);
        var image = TestImage.Create(layers: 1, seed: 903);
        foreach (var blob in image.Blobs)
        {
            await cache.Client.PushBlobAsync("site/app", blob);
        }

        using (var ready = await cache.Client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // The store's folders become read-only mounts of themselves (the volume itself cannot be remounted
        // read-only while the database is open for writing); the database stays writable.
        var layout = new DataLayout(cache.DataPath);
        string[] folders = [layout.Temp, layout.Uploads, layout.Blobs];
        foreach (var folder in folders)
        {
            await ProcessRunner.RunCheckedAsync("mount", "--bind", folder, folder);
            await ProcessRunner.RunCheckedAsync("mount", "-o", "remount,bind,ro", folder);
        }

        using (var ready = await cache.Client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("read-only", await ready.Content.ReadAsStringAsync());
        }

        using (var live = await cache.Client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode); // alive: reads are still served
        }

        using (var post = await cache.Client.PostAsync("/v2/site/app/blobs/uploads/", null))
        {
            await RegistryHttp.AssertOciErrorAsync(post, HttpStatusCode.ServiceUnavailable, "UNAVAILABLE");
        }

        using (var put = await cache.Client.PutManifestAsync("site/app", "v1", image.Manifest))
        {
            await RegistryHttp.AssertOciErrorAsync(put, HttpStatusCode.ServiceUnavailable, "UNAVAILABLE");
        }

        foreach (var folder in folders)
        {
            await ProcessRunner.RunCheckedAsync("umount", folder);
        }

        using (var ready = await cache.Client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await cache.Client.PushManifestAsync("site/app", "v1", image.Manifest);
        await AssertConsistentAsync(cache);
    }

    /// <summary>Takes every free byte of the volume with one file, and returns its path.</summary>
    private static string Fill(SmallFilesystem volume)
    {
        var path = Path.Combine(volume.Path, "filler");
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
            // No space left: what fitted stays.
        }

        for (var size = chunk.Length / 2; size > 0; size /= 2)
        {
            try
            {
                file.Write(chunk, 0, size);
            }
            catch (IOException)
            {
            }
        }

        return path;
    }

    private static async Task AssertConsistentAsync(RegistryServer cache)
    {
        var report = await cache.Services.GetRequiredService<StoreVerifier>().VerifyAsync(repair: false);
        Assert.True(report.Consistent, string.Join("\n", report.Problems));
    }
}
