using OciCache.Oci;
using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>The contract every <see cref="IBlobIndex"/> must keep; one subclass per backend.</summary>
public abstract class BlobIndexContract : MetadataContract
{
    [Fact]
    public async Task AddBlob_LinksOnlyToItsRepository()
    {
        await Blobs.AddBlobAsync(App, A, 10);

        Assert.Equal(10, await Blobs.GetLinkedBlobSizeAsync(App, A));
        Assert.Null(await Blobs.GetLinkedBlobSizeAsync(Other, A));
        Assert.True(await Backend.Catalog.ExistsAsync(App));
        Assert.Equal(10, (await Blobs.GetBlobAsync(A))!.Size);
    }

    [Fact]
    public async Task IsLinkedFromUpstream_OnlyForLinksOfMirrorRepositoriesOfThatUpstream()
    {
        await Blobs.AddBlobAsync(Repository.Local("secret/app"), A, 10);
        await Blobs.AddBlobAsync(Repository.Mirror("hub", "library/app"), B, 10);

        Assert.False(await Blobs.IsLinkedFromUpstreamAsync("hub", A)); // a local repository's blob
        Assert.True(await Blobs.IsLinkedFromUpstreamAsync("hub", B));
        Assert.False(await Blobs.IsLinkedFromUpstreamAsync("other", B));
    }

    [Fact]
    public async Task LinkBlob_OfUnknownBlob_IsFalse()
    {
        var two = Repository.Local("two");
        Assert.False(await Blobs.LinkBlobAsync(App, A));
        await Blobs.AddBlobAsync(Repository.Local("one"), A, 1);
        Assert.True(await Blobs.LinkBlobAsync(two, A));
        Assert.Equal(1, await Blobs.GetLinkedBlobSizeAsync(two, A));
        Assert.Equal(BlobUnlink.Unlinked, await Blobs.UnlinkBlobAsync(two, A));
        Assert.Null(await Blobs.GetLinkedBlobSizeAsync(two, A));
    }

    [Fact]
    public async Task UnlinkBlob_ReferencedByAManifestOfTheRepository_IsRefused_UntilTheManifestIsGone()
    {
        await Blobs.AddBlobAsync(App, B, 2);
        await Blobs.AddBlobAsync(Other, B, 2);
        await Blobs.AddBlobAsync(App, A, 5);
        await Manifests.PutManifestAsync(App, Manifest(A), [B], "v1");

        Assert.Equal(BlobUnlink.Referenced, await Blobs.UnlinkBlobAsync(App, B));
        Assert.Equal(2, await Blobs.GetLinkedBlobSizeAsync(App, B));
        Assert.Equal(BlobUnlink.Unlinked, await Blobs.UnlinkBlobAsync(Other, B)); // no manifest of "other" needs it

        Assert.True(await Manifests.DeleteManifestAsync(App, A));
        Assert.Equal(BlobUnlink.Unlinked, await Blobs.UnlinkBlobAsync(App, B));
        Assert.Equal(BlobUnlink.NotLinked, await Blobs.UnlinkBlobAsync(App, B));
    }

    [Fact]
    public async Task IsReferencedBy_OnlyForReferencesOfManifestsOfThatRepository()
    {
        await Manifests.PutManifestAsync(App, Manifest(A), [B], null);

        Assert.True(await Blobs.IsReferencedByAsync(App, B));
        Assert.False(await Blobs.IsReferencedByAsync(Other, B));
        Assert.False(await Blobs.IsReferencedByAsync(App, C));
    }

    [Fact]
    public async Task RemoveBlob_DropsLinksAndManifestsStoredUnderIt()
    {
        await Blobs.AddBlobAsync(App, B, 3);
        await Manifests.PutManifestAsync(App, Manifest(A), [B], "v1");
        Assert.NotNull(await Manifests.GetManifestAsync(App, A));
        Assert.NotNull(await Blobs.GetLinkedBlobSizeAsync(App, B));

        await Blobs.RemoveBlobAsync(A);
        await Blobs.RemoveBlobAsync(B);

        Assert.Null(await Manifests.GetManifestAsync(App, A));
        Assert.Null(await Manifests.GetTagAsync(App, "v1"));
        Assert.Null(await Blobs.GetLinkedBlobSizeAsync(App, B));
        Assert.Empty(await Blobs.EnumerateBlobsAsync().ToListAsync());
    }

    [Fact]
    public async Task EnumerateBlobs_ListsEveryBlobInDigestOrder_UntilTheCallerStops()
    {
        await Blobs.AddBlobAsync(App, C, 3);
        await Blobs.AddBlobAsync(App, A, 1);
        await Blobs.AddBlobAsync(Other, B, 2);
        var ordered = new[] { A, B, C }.OrderBy(d => d.ToString(), StringComparer.Ordinal).ToList();

        Assert.Equal(ordered, (await Blobs.EnumerateBlobsAsync().ToListAsync()).Select(b => b.Digest));
        Assert.Equal([ordered[0]], (await Blobs.EnumerateBlobsAsync().Take(1).ToListAsync()).Select(b => b.Digest));
    }
    [Fact]
    public async Task Measure_CountsEachBlobAndManifestOfTheCoveredLocalRepositoriesOnce()
    {
        var d = Digest.ComputeSha256([4]);
        Repository one = Repository.Local("team/one"), two = Repository.Local("team/two");
        await Blobs.AddBlobAsync(one, A, 10);
        await Blobs.AddBlobAsync(two, A, 10); // one layer, two repositories: counted once
        await Blobs.AddBlobAsync(two, B, 20);
        await Manifests.PutManifestAsync(two, Manifest(C, size: 5), [B], "v1"); // a manifest's bytes count too
        await Blobs.AddBlobAsync(Repository.Local("site/app"), d, 100);
        await Blobs.AddBlobAsync(Repository.Mirror("hub", "team/one"), d, 100);

        var team = await Blobs.MeasureAsync([RepositoryPattern.Parse("team/**")], [A, d]);
        Assert.Equal(35, team.Bytes);
        Assert.Equal(new[] { A }, team.Held);

        // Every repository, but mirrors are never counted: the mirror's d counts only through site/app.
        Assert.Equal(135, (await Blobs.MeasureAsync([RepositoryPattern.Parse("**")], [])).Bytes);
        Assert.Equal(135, (await Blobs.MeasureAsync([RepositoryPattern.Parse("team/*"), RepositoryPattern.Parse("site/app")], [])).Bytes);
        Assert.Equal(QuotaUsage.Empty.Bytes, (await Blobs.MeasureAsync([RepositoryPattern.Parse("nobody/**")], [A])).Bytes);
        Assert.Empty((await Blobs.MeasureAsync([RepositoryPattern.Parse("nobody/**")], [A])).Held);
    }

    [Fact]
    public async Task Measure_ABlobCountsUntilTheLastCoveredRepositoryLetsItGo()
    {
        Repository one = Repository.Local("team/one"), two = Repository.Local("team/two");
        await Blobs.AddBlobAsync(one, A, 10);
        await Blobs.LinkBlobAsync(two, A);
        await Blobs.AddBlobAsync(one, B, 20);
        IReadOnlyList<RepositoryPattern> team = [RepositoryPattern.Parse("team/**")];

        await Blobs.UnlinkBlobAsync(one, A);
        Assert.Equal(30, (await Blobs.MeasureAsync(team, [])).Bytes); // team/two still links it
        await Blobs.UnlinkBlobAsync(two, A);
        Assert.Equal(20, (await Blobs.MeasureAsync(team, [])).Bytes);
    }
}
