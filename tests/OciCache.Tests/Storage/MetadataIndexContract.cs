using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Caching.Memory;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Tests.Storage;

/// <summary>The contract every <see cref="IMetadataIndex"/> must keep; one subclass per implementation.</summary>
public abstract class MetadataIndexContract : IDisposable
{
    private static readonly Digest A = Digest.ComputeSha256([1]);
    private static readonly Digest B = Digest.ComputeSha256([2]);
    private static readonly Digest C = Digest.ComputeSha256([3]);

    protected MetadataIndexContract()
    {
        Database = new SqliteDatabase(Temp.Combine("meta.db"));
        Index = CreateIndex(new SqliteMetadataIndex(Database, TimeProvider.System));
    }

    protected TempDirectory Temp { get; } = new("metadata");

    protected SqliteDatabase Database { get; }

    protected IMetadataIndex Index { get; }

    protected abstract IMetadataIndex CreateIndex(SqliteMetadataIndex sqlite);

    [Fact]
    public void AddBlob_LinksOnlyToItsRepository()
    {
        Index.AddBlob("app", null, A, 10);

        Assert.Equal(10, Index.GetLinkedBlobSize("app", A));
        Assert.Null(Index.GetLinkedBlobSize("other", A));
        Assert.True(Index.RepositoryExists("app"));
        Assert.Equal(10, Index.GetBlob(A)!.Size);
    }

    [Fact]
    public void IsLinkedFromUpstream_OnlyForLinksOfMirrorRepositoriesOfThatUpstream()
    {
        Index.AddBlob("secret/app", null, A, 10);
        Index.AddBlob("hub/library/app", "hub", B, 10);

        Assert.False(Index.IsLinkedFromUpstream("hub", A)); // a local repository's blob
        Assert.True(Index.IsLinkedFromUpstream("hub", B));
        Assert.False(Index.IsLinkedFromUpstream("other", B));
    }

    [Fact]
    public void LinkBlob_OfUnknownBlob_IsFalse()
    {
        Assert.False(Index.LinkBlob("app", null, A));
        Index.AddBlob("one", null, A, 1);
        Assert.True(Index.LinkBlob("two", null, A));
        Assert.Equal(1, Index.GetLinkedBlobSize("two", A));
        Assert.Equal(BlobUnlink.Unlinked, Index.UnlinkBlob("two", A));
        Assert.Null(Index.GetLinkedBlobSize("two", A));
    }

    [Fact]
    public void UnlinkBlob_ReferencedByAManifestOfTheRepository_IsRefused_UntilTheManifestIsGone()
    {
        Index.AddBlob("app", null, B, 2);
        Index.AddBlob("other", null, B, 2);
        Index.AddBlob("app", null, A, 5);
        Index.PutManifest("app", null, new ManifestRecord(A, MediaTypes.OciManifest, 5), [B], "v1");

        Assert.Equal(BlobUnlink.Referenced, Index.UnlinkBlob("app", B));
        Assert.Equal(2, Index.GetLinkedBlobSize("app", B));
        Assert.Equal(BlobUnlink.Unlinked, Index.UnlinkBlob("other", B)); // no manifest of "other" needs it

        Assert.True(Index.DeleteManifest("app", A));
        Assert.Equal(BlobUnlink.Unlinked, Index.UnlinkBlob("app", B));
        Assert.Equal(BlobUnlink.NotLinked, Index.UnlinkBlob("app", B));
    }

    [Fact]
    public void PutManifest_WithTag_IsFoundByTagAndDigest_AndRetaggingMovesTheTag()
    {
        Index.PutManifest("app", null, new ManifestRecord(A, MediaTypes.OciManifest, 5), [B], "v1");
        Assert.Equal(A, Index.GetTag("app", "v1")!.Digest); // read (and, where cached, cache) before the change

        Index.PutManifest("app", null, new ManifestRecord(C, MediaTypes.OciIndex, 7), [], "v1");

        Assert.Equal(C, Index.GetTag("app", "v1")!.Digest);
        Assert.Equal(MediaTypes.OciManifest, Index.GetManifest("app", A)!.MediaType);
        Assert.Equal(7, Index.GetManifest("app", C)!.Size);
        Assert.Null(Index.GetManifest("other", A));
    }

    [Fact]
    public void MarkTagChecked_IsVisible()
    {
        Index.PutManifest("app", "docker.io", new ManifestRecord(A, MediaTypes.OciManifest, 5), [], "v1");
        var at = DateTimeOffset.UtcNow.AddHours(1);
        Assert.NotNull(Index.GetTag("app", "v1"));

        Index.MarkTagChecked("app", "v1", at);

        Assert.Equal(at.ToUnixTimeMilliseconds(), Index.GetTag("app", "v1")!.CheckedAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void DeleteManifest_RemovesTagsPointingAtIt()
    {
        Index.PutManifest("app", null, new ManifestRecord(A, MediaTypes.OciManifest, 5), [], "v1");
        Assert.NotNull(Index.GetTag("app", "v1"));

        Assert.True(Index.DeleteManifest("app", A));

        Assert.Null(Index.GetTag("app", "v1"));
        Assert.Null(Index.GetManifest("app", A));
        Assert.False(Index.DeleteManifest("app", A));
    }

    [Fact]
    public void DeleteTag_KeepsManifest()
    {
        Index.PutManifest("app", null, new ManifestRecord(A, MediaTypes.OciManifest, 5), [], "v1");

        Assert.True(Index.DeleteTag("app", "v1"));

        Assert.Null(Index.GetTag("app", "v1"));
        Assert.NotNull(Index.GetManifest("app", A));
    }

    [Fact]
    public void ListTags_PagesLexically_AndIsNullForUnknownRepository()
    {
        foreach (var tag in new[] { "c", "a", "b" })
        {
            Index.PutManifest("app", null, new ManifestRecord(A, MediaTypes.OciManifest, 5), [], tag);
        }

        Assert.Equal(["a", "b"], Index.ListTags("app", 2, null)!);
        Assert.Equal(["c"], Index.ListTags("app", 2, "b")!);
        Assert.Null(Index.ListTags("nope", 10, null));
    }

    [Fact]
    public void ListReferrers_FiltersBySubjectAndArtifactType()
    {
        Index.PutManifest("app", null, new ManifestRecord(B, MediaTypes.OciManifest, 5) { Subject = A, ArtifactType = "x" }, [], null);
        Index.PutManifest("app", null, new ManifestRecord(C, MediaTypes.OciManifest, 5) { Subject = A, ArtifactType = "y" }, [], null);

        Assert.Equal(2, Referrers("app", A, null).Count);
        Assert.Equal(C, Referrers("app", A, "y").Single().Digest);
        Assert.Empty(Referrers("other", A, null));
    }

    [Fact]
    public void ListReferrers_VisitsInDigestOrderAfterLastUntilTheVisitorStops()
    {
        Index.PutManifest("app", null, new ManifestRecord(C, MediaTypes.OciManifest, 5) { Subject = A }, [], null);
        Index.PutManifest("app", null, new ManifestRecord(B, MediaTypes.OciManifest, 5) { Subject = A }, [], null);
        var ordered = new[] { B, C }.OrderBy(d => d.ToString(), StringComparer.Ordinal).ToList();

        Assert.Equal(ordered, Referrers("app", A, null).Select(r => r.Digest));
        Assert.Equal([ordered[1]], Referrers("app", A, null, after: ordered[0]).Select(r => r.Digest));
        var visited = 0;
        Index.ListReferrers("app", A, null, null, _ => ++visited < 1);
        Assert.Equal(1, visited);
    }

    [Fact]
    public void ListReferrers_OfARowWithAnnotationsLongerThanTheDescriptorCut_ListsItWithoutThem()
    {
        var small = $$"""{"k":"{{new string('s', 100)}}"}""";
        var large = $$"""{"k":"{{new string('l', AnnotationLimits.MaxDescriptorBytes)}}"}"""; // a row from before the cut
        Index.PutManifest("app", null, new ManifestRecord(B, MediaTypes.OciManifest, 5) { Subject = A, AnnotationsJson = small }, [], null);
        Index.PutManifest("app", null, new ManifestRecord(C, MediaTypes.OciManifest, 5) { Subject = A, AnnotationsJson = large }, [], null);

        var listed = Referrers("app", A, null).ToDictionary(r => r.Digest);

        Assert.Equal(small, listed[B].AnnotationsJson);
        Assert.Null(listed[C].AnnotationsJson);
    }

    private List<ManifestRecord> Referrers(string repository, Digest subject, string? artifactType, Digest? after = null)
    {
        var list = new List<ManifestRecord>();
        Index.ListReferrers(repository, subject, artifactType, after, r =>
        {
            list.Add(r);
            return true;
        });
        return list;
    }

    [Fact]
    public void RemoveBlob_DropsLinksAndManifestsStoredUnderIt()
    {
        Index.AddBlob("app", null, B, 3);
        Index.PutManifest("app", null, new ManifestRecord(A, MediaTypes.OciManifest, 5), [B], "v1");
        Assert.NotNull(Index.GetManifest("app", A));
        Assert.NotNull(Index.GetLinkedBlobSize("app", B));

        Index.RemoveBlob(A);
        Index.RemoveBlob(B);

        Assert.Null(Index.GetManifest("app", A));
        Assert.Null(Index.GetTag("app", "v1"));
        Assert.Null(Index.GetLinkedBlobSize("app", B));
        Assert.Empty(Index.EnumerateBlobs());
    }

    [Fact]
    public void Uploads_AreCreatedResizedListedAndDeleted()
    {
        var now = DateTimeOffset.UtcNow;
        Index.CreateUpload(new UploadRecord("0123456789abcdef0123456789abcdef", "app", 0, now, now));

        Index.SetUploadSize("0123456789abcdef0123456789abcdef", 42, now);

        Assert.Equal(42, Index.GetUpload("0123456789abcdef0123456789abcdef")!.Size);
        Assert.Single(Index.ListUploads());
        Index.DeleteUpload("0123456789abcdef0123456789abcdef");
        Assert.Null(Index.GetUpload("0123456789abcdef0123456789abcdef"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteMetadataIndexTests : MetadataIndexContract
{
    protected override IMetadataIndex CreateIndex(SqliteMetadataIndex sqlite) => sqlite;
}

public sealed class CachedMetadataIndexTests : MetadataIndexContract
{
    protected override IMetadataIndex CreateIndex(SqliteMetadataIndex sqlite) =>
        new CachedMetadataIndex(sqlite, new MemoryCache(new MemoryCacheOptions { SizeLimit = 1000 }));
}
