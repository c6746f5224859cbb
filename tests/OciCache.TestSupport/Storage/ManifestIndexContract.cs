using OciCache.Oci;
using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>The contract every <see cref="IManifestIndex"/> must keep; one subclass per backend.</summary>
public abstract class ManifestIndexContract : MetadataContract
{
    [Fact]
    public async Task PutManifest_WithTag_IsFoundByTagAndDigest_AndRetaggingMovesTheTag()
    {
        await Manifests.PutManifestAsync(App, Manifest(A), [B], "v1");
        Assert.Equal(A, (await Manifests.GetTagAsync(App, "v1"))!.Digest); // read (and, where cached, cache) before the change

        await Manifests.PutManifestAsync(App, Manifest(C, MediaTypes.OciIndex, 7), [], "v1");

        Assert.Equal(C, (await Manifests.GetTagAsync(App, "v1"))!.Digest);
        Assert.Equal(MediaTypes.OciManifest, (await Manifests.GetManifestAsync(App, A))!.MediaType);
        Assert.Equal(7, (await Manifests.GetManifestAsync(App, C))!.Size);
        Assert.Null(await Manifests.GetManifestAsync(Other, A));
    }

    [Fact]
    public async Task PutManifest_WithABlobNoLongerLinked_WritesNothing_AndReturnsIt()
    {
        await Blobs.AddBlobAsync(App, B, 2);

        Assert.Equal(new ManifestPut(C, null), await Manifests.PutManifestAsync(App, Manifest(A), [B, C], "v1", linkedBlobs: [B, C]));
        Assert.Null(await Manifests.GetManifestAsync(App, A));
        Assert.Equal(ManifestPut.Written, await Manifests.PutManifestAsync(App, Manifest(A), [B], "v1", linkedBlobs: [B]));
        Assert.NotNull(await Manifests.GetManifestAsync(App, A));
    }

    [Fact]
    public async Task MarkTagChecked_IsVisible()
    {
        var mirror = Repository.FromStored("app", "docker.io");
        await Manifests.PutManifestAsync(mirror, Manifest(A), [], "v1");
        var at = DateTimeOffset.UtcNow.AddHours(1);
        Assert.NotNull(await Manifests.GetTagAsync(mirror, "v1"));

        await Manifests.MarkTagCheckedAsync(mirror, "v1", at);

        Assert.Equal(at.ToUnixTimeMilliseconds(), (await Manifests.GetTagAsync(mirror, "v1"))!.CheckedAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task DeleteManifest_RemovesTagsPointingAtIt()
    {
        await Manifests.PutManifestAsync(App, Manifest(A), [], "v1");
        Assert.NotNull(await Manifests.GetTagAsync(App, "v1"));

        Assert.True(await Manifests.DeleteManifestAsync(App, A));

        Assert.Null(await Manifests.GetTagAsync(App, "v1"));
        Assert.Null(await Manifests.GetManifestAsync(App, A));
        Assert.False(await Manifests.DeleteManifestAsync(App, A));
    }

    [Fact]
    public async Task DeleteTag_KeepsManifest()
    {
        await Manifests.PutManifestAsync(App, Manifest(A), [], "v1");

        Assert.True(await Manifests.DeleteTagAsync(App, "v1"));

        Assert.Null(await Manifests.GetTagAsync(App, "v1"));
        Assert.NotNull(await Manifests.GetManifestAsync(App, A));
    }

    [Fact]
    public async Task ListTags_PagesLexically_AndIsNullForUnknownRepository()
    {
        foreach (var tag in new[] { "c", "a", "b" })
        {
            await Manifests.PutManifestAsync(App, Manifest(A), [], tag);
        }

        Assert.Equal(["a", "b"], (await Manifests.ListTagsAsync(App, 2, null))!);
        Assert.Equal(["c"], (await Manifests.ListTagsAsync(App, 2, "b"))!);
        Assert.Null(await Manifests.ListTagsAsync(Repository.Local("nope"), 10, null));
    }

    [Fact]
    public async Task ListReferrers_FiltersBySubjectAndArtifactType()
    {
        await Manifests.PutManifestAsync(App, Manifest(B) with { Subject = A, ArtifactType = "x" }, [], null);
        await Manifests.PutManifestAsync(App, Manifest(C) with { Subject = A, ArtifactType = "y" }, [], null);

        Assert.Equal(2, (await Referrers(App, A, null)).Count);
        Assert.Equal(C, (await Referrers(App, A, "y")).Single().Digest);
        Assert.Empty(await Referrers(Other, A, null));
    }

    [Fact]
    public async Task ListReferrers_VisitsInDigestOrderAfterLastUntilTheVisitorStops()
    {
        await Manifests.PutManifestAsync(App, Manifest(C) with { Subject = A }, [], null);
        await Manifests.PutManifestAsync(App, Manifest(B) with { Subject = A }, [], null);
        var ordered = new[] { B, C }.OrderBy(d => d.ToString(), StringComparer.Ordinal).ToList();

        Assert.Equal(ordered, (await Referrers(App, A, null)).Select(r => r.Digest));
        Assert.Equal([ordered[1]], (await Referrers(App, A, null, after: ordered[0])).Select(r => r.Digest));
        var visited = 0;
        await foreach (var _ in Manifests.ListReferrersAsync(App, A, null, null))
        {
            if (!(++visited < 1))
            {
                break;
            }
        }

        Assert.Equal(1, visited);
    }

    [Fact]
    public async Task ListReferrers_OfARowWithAnnotationsLongerThanTheDescriptorCut_ListsItWithoutThem()
    {
        var small = $$"""{"k":"{{new string('s', 100)}}"}""";
        var large = $$"""{"k":"{{new string('l', AnnotationLimits.MaxDescriptorBytes)}}"}"""; // a row from before the cut
        await Manifests.PutManifestAsync(App, Manifest(B) with { Subject = A, AnnotationsJson = small }, [], null);
        await Manifests.PutManifestAsync(App, Manifest(C) with { Subject = A, AnnotationsJson = large }, [], null);

        var listed = (await Referrers(App, A, null)).ToDictionary(r => r.Digest);

        Assert.Equal(small, listed[B].AnnotationsJson);
        Assert.Null(listed[C].AnnotationsJson);
    }

    private Task<List<ManifestRecord>> Referrers(Repository repository, Digest subject, string? artifactType, Digest? after = null) =>
        Manifests.ListReferrersAsync(repository, subject, artifactType, after).ToListAsync().AsTask();
    [Fact]
    public async Task PutManifest_KeepingATagThatNamesAnotherManifest_WritesNothing_AndSaysWhatItNames()
    {
        Assert.Equal(ManifestPut.Written, await Manifests.PutManifestAsync(App, Manifest(A), [], "v1", keepTag: true));
        Assert.Equal(ManifestPut.Written, await Manifests.PutManifestAsync(App, Manifest(A), [], "v1", keepTag: true)); // the same digest again

        Assert.Equal(new ManifestPut(null, A), await Manifests.PutManifestAsync(App, Manifest(B), [], "v1", keepTag: true));
        Assert.Null(await Manifests.GetManifestAsync(App, B));
        Assert.Equal(A, (await Manifests.GetTagAsync(App, "v1"))!.Digest);

        Assert.Equal(ManifestPut.Written, await Manifests.PutManifestAsync(App, Manifest(B), [], "v2", keepTag: true)); // another tag is free
        Assert.Equal(ManifestPut.Written, await Manifests.PutManifestAsync(App, Manifest(B), [], "v1")); // not kept: it moves
        Assert.Equal(B, (await Manifests.GetTagAsync(App, "v1"))!.Digest);
    }

    [Fact]
    public async Task PutManifest_KeepingATag_TwoFirstPushesOfTwoDigestsRacing_SetItOnce()
    {
        // A tag pushed for the first time has no row to lock: the race is between two inserts.
        for (var round = 0; round < 40; round++)
        {
            var tag = $"v{round}";
            var puts = await Task.WhenAll(
                Task.Run(() => Manifests.PutManifestAsync(App, Manifest(A), [], tag, keepTag: true)),
                Task.Run(() => Manifests.PutManifestAsync(App, Manifest(B), [], tag, keepTag: true)));

            var tagged = (await Manifests.GetTagAsync(App, tag))!.Digest;
            Assert.Single(puts, p => p.IsWritten);
            Assert.Equal(tagged, Assert.Single(puts, p => !p.IsWritten).TagHeldBy);
        }
    }
}
