using OciCache.Oci;
using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>The contract every <see cref="IEvictionIndex"/> must keep; one subclass per backend.</summary>
public abstract class EvictionIndexContract : MetadataContract
{
    private static readonly Digest D = Digest.ComputeSha256([4]);
    private static readonly Repository Mirror = Repository.Mirror("hub", "library/app");

    private IEvictionIndex Eviction => Backend.Eviction;

    [Fact]
    public async Task GetCachedBytes_CountsWhatNoLocalRepositoryNeeds()
    {
        await Blobs.AddBlobAsync(App, A, 10);
        await Blobs.AddBlobAsync(Mirror, B, 20);
        Assert.Equal(20, await Eviction.GetCachedBytesAsync());

        await Manifests.PutManifestAsync(Mirror, Manifest(C, size: 5), [B], "v1");
        Assert.Equal(25, await Eviction.GetCachedBytesAsync());

        await Manifests.PutManifestAsync(App, Manifest(D, size: 3), [B], null); // a local image needs B now
        Assert.Equal(5, await Eviction.GetCachedBytesAsync());
    }

    [Fact]
    public async Task ListEvictionCandidates_RootManifestsAndUnreferencedBlobs_LeastRecentlyUsedFirst()
    {
        await Blobs.AddBlobAsync(App, A, 10);
        await Blobs.AddBlobAsync(Mirror, B, 20);
        await Manifests.PutManifestAsync(Mirror, Manifest(C, size: 5), [B], "v1");
        await Blobs.AddBlobAsync(Mirror, D, 7);
        var later = DateTimeOffset.UtcNow.AddHours(1);
        await Eviction.TouchBlobsAsync([new(C, later), new(A, later.AddHours(1))]);

        var mirrorOnly = await Eviction.ListEvictionCandidatesAsync(includeLocal: false);

        Assert.Equal([D, C], mirrorOnly.Select(c => c.Digest));
        Assert.Null(mirrorOnly[0].Repository);
        Assert.Equal(7, mirrorOnly[0].Size);
        Assert.Equal(Mirror, mirrorOnly[1].Repository);
        Assert.True(mirrorOnly[1].IsManifest);
        Assert.Equal(["v1"], mirrorOnly[1].Tags);
        Assert.Equal(later.ToUnixTimeMilliseconds(), mirrorOnly[1].LastAccess.ToUnixTimeMilliseconds());
        Assert.Equal([D, C, A], (await Eviction.ListEvictionCandidatesAsync(includeLocal: true)).Select(c => c.Digest));
    }

    [Fact]
    public async Task DeleteManifestTree_TakesTheChildrenOnlyItHeld_AndNamesEverythingItTouched()
    {
        await Blobs.AddBlobAsync(Mirror, B, 20);
        await Manifests.PutManifestAsync(Mirror, Manifest(A), [B], null);
        await Manifests.PutManifestAsync(Mirror, Manifest(C, MediaTypes.OciIndex), [A], "v1");
        Assert.NotNull(await Manifests.GetManifestAsync(Mirror, A)); // read (and, where cached, cache) before the change

        var touched = await Eviction.DeleteManifestTreeAsync(Mirror, C);

        Assert.Equal(new[] { A, B, C }.ToHashSet(), touched.ToHashSet());
        Assert.Null(await Manifests.GetManifestAsync(Mirror, A));
        Assert.Null(await Manifests.GetManifestAsync(Mirror, C));
        Assert.Null(await Manifests.GetTagAsync(Mirror, "v1"));
        Assert.Empty(await Eviction.DeleteManifestTreeAsync(Repository.Local("nope"), C));
    }

    [Fact]
    public async Task ListUnneededBlobs_KeepsWhatItsScopeKeeps()
    {
        await Blobs.AddBlobAsync(Mirror, B, 20);
        await Blobs.AddBlobAsync(App, D, 3);
        await Manifests.PutManifestAsync(Mirror, Manifest(A), [B], "v1");
        Assert.Empty(await Eviction.ListUnneededBlobsAsync([A, B], UnneededScope.KeepNothing));

        var touched = await Eviction.DeleteManifestTreeAsync(Mirror, A);

        Assert.Equal([A], (await Eviction.ListUnneededBlobsAsync(touched, UnneededScope.KeepLinked)).Select(b => b.Digest));
        Assert.Equal(new[] { A, B }.ToHashSet(), (await Eviction.ListUnneededBlobsAsync(touched, UnneededScope.KeepLocal)).Select(b => b.Digest).ToHashSet());
        Assert.Equal(new[] { A, B }.ToHashSet(), (await Eviction.ListUnneededBlobsAsync(null, UnneededScope.KeepLocal)).Select(b => b.Digest).ToHashSet());
        Assert.Equal(new[] { A, B, D }.ToHashSet(), (await Eviction.ListUnneededBlobsAsync(null, UnneededScope.KeepNothing)).Select(b => b.Digest).ToHashSet());
    }

    [Fact]
    public async Task OrphanedLinks_OfLocalRepositories_AreStampedThenDeletedAfterTheGracePeriod()
    {
        var now = DateTimeOffset.UtcNow;
        await Blobs.AddBlobAsync(App, A, 1);
        await Blobs.AddBlobAsync(App, B, 2);
        await Manifests.PutManifestAsync(App, Manifest(C), [B], "v1");
        await Blobs.AddBlobAsync(Mirror, D, 3);
        Assert.NotNull(await Blobs.GetLinkedBlobSizeAsync(App, A)); // read (and, where cached, cache) before the change

        await Eviction.MarkOrphanedLinksAsync(now);

        Assert.Equal(0, await Eviction.DeleteOrphanedLinksAsync(now.AddHours(-1)));
        Assert.Equal(1, await Eviction.DeleteOrphanedLinksAsync(now.AddSeconds(1)));
        Assert.Null(await Blobs.GetLinkedBlobSizeAsync(App, A));
        Assert.Equal(2, await Blobs.GetLinkedBlobSizeAsync(App, B)); // its manifest references it
        Assert.Equal(3, await Blobs.GetLinkedBlobSizeAsync(Mirror, D)); // mirror links are eviction's
    }
}
