using Microsoft.Extensions.Time.Testing;
using OciCache.Oci;
using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>
/// The contract every <see cref="IConsoleQueries"/> keeps; one subclass per implementation. The rows are written
/// through the same backend's metadata index and pull counts, as the registry writes them:
/// <code>
/// site/app (local)                   manifest M_APP (10 B) → SHARED (100 B), APP (1,000 B); tag 1.0
///                                    referrer M_SIG (5 B), subject M_APP
/// docker.io/library/nginx (mirror)   manifest M_NGINX (20 B) → SHARED, NGINX (10,000 B); tags 1.27, latest; 4 pulls
/// zz/tmp (local)                     held ORPHAN (7 B) once, linked no more
/// </code>
/// </summary>
public abstract class ConsoleQueriesContract : IDisposable
{
    private const string App = "site/app";
    private const string Nginx = "docker.io/library/nginx";
    private const string SignatureType = "application/vnd.dev.cosign.artifact.sig.v1+json";

    private static readonly Repository NginxRepository = Repository.Mirror("docker.io", "library/nginx");

    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);
    private static readonly Digest Shared = Digest.ComputeSha256([1]);
    private static readonly Digest AppLayer = Digest.ComputeSha256([2]);
    private static readonly Digest NginxLayer = Digest.ComputeSha256([3]);
    private static readonly Digest Orphan = Digest.ComputeSha256([4]);
    private static readonly Digest AppManifest = Digest.ComputeSha256([5]);
    private static readonly Digest NginxManifest = Digest.ComputeSha256([6]);
    private static readonly Digest Signature = Digest.ComputeSha256([7]);

    protected ConsoleQueriesContract()
    {
        (Queries, Blobs, Manifests, Pulls) = Create(Temp.Path, new FakeTimeProvider(At));
    }

    protected TempDirectory Temp { get; } = new("console-queries");

    protected IConsoleQueries Queries { get; }

    protected IBlobIndex Blobs { get; }

    protected IManifestIndex Manifests { get; }

    protected IPullCounts Pulls { get; }

    /// <summary>The queries, and the metadata roles and pull counts of the same storage; the index stamps rows with <paramref name="time"/>.</summary>
    protected abstract (IConsoleQueries Queries, IBlobIndex Blobs, IManifestIndex Manifests, IPullCounts Pulls) Create(string folder, TimeProvider time);

    public virtual void Dispose() => Temp.Dispose();

    private async Task StoreAsync()
    {
        await Blobs.AddBlobAsync(Repository.Local(App), Shared, 100);
        await Blobs.AddBlobAsync(Repository.Local(App), AppLayer, 1_000);
        await Manifests.PutManifestAsync(Repository.Local(App), new ManifestRecord(AppManifest, MediaTypes.OciManifest, 10), [Shared, AppLayer], "1.0");
        await Manifests.PutManifestAsync(Repository.Local(App),
            new ManifestRecord(Signature, MediaTypes.OciManifest, 5) { Subject = AppManifest, ArtifactType = SignatureType }, [], null);
        await Blobs.AddBlobAsync(NginxRepository, Shared, 100);
        await Blobs.AddBlobAsync(NginxRepository, NginxLayer, 10_000);
        await Manifests.PutManifestAsync(NginxRepository, new ManifestRecord(NginxManifest, MediaTypes.OciManifest, 20), [Shared, NginxLayer], "1.27");
        await Manifests.PutManifestAsync(NginxRepository, new ManifestRecord(NginxManifest, MediaTypes.OciManifest, 20), [Shared, NginxLayer], "latest");
        await Blobs.AddBlobAsync(Repository.Local("zz/tmp"), Orphan, 7);
        await Blobs.UnlinkBlobAsync(Repository.Local("zz/tmp"), Orphan);
        await Pulls.AddAsync([new PullCount(Nginx, NginxManifest, 4, At.AddMinutes(1))], default);
    }

    [Fact]
    public async Task ListRepositories_ByName_FilteredByQueryIgnoringCase_AfterAName_UpToTheLimit()
    {
        await StoreAsync();

        Assert.Equal([Nginx, App, "zz/tmp"], (await Queries.ListRepositoriesAsync(null, null, 10, default)).Select(r => r.Name));
        Assert.Equal([App], (await Queries.ListRepositoriesAsync("APP", null, 10, default)).Select(r => r.Name));
        Assert.Equal([App], (await Queries.ListRepositoriesAsync("", Nginx, 1, default)).Select(r => r.Name));
        Assert.Empty(await Queries.ListRepositoriesAsync("nothing", null, 10, default));
    }

    [Fact]
    public async Task FindRepository_TagsLinkedBytesAndLastTagChange_NullWhenNotStored()
    {
        await StoreAsync();

        Assert.Equal(new RepositoryRow(App, null, 1, 1_100, At), await Queries.FindRepositoryAsync(App, default));
        Assert.Equal(new RepositoryRow(Nginx, "docker.io", 2, 10_100, At), await Queries.FindRepositoryAsync(Nginx, default));
        Assert.Equal(new RepositoryRow("zz/tmp", null, 0, 0, null), await Queries.FindRepositoryAsync("zz/tmp", default));
        Assert.Null(await Queries.FindRepositoryAsync("site", default));
    }

    [Fact]
    public async Task ListTags_ByName_WithTheImagesBytesAndPulls_UpToTheLimit()
    {
        await StoreAsync();

        var tags = await Queries.ListTagsAsync(Nginx, 10, default);

        Assert.Equal(
            [
                new TagRow("1.27", NginxManifest, MediaTypes.OciManifest, 20, At, 4, At.AddMinutes(1), 10_120),
                new TagRow("latest", NginxManifest, MediaTypes.OciManifest, 20, At, 4, At.AddMinutes(1), 10_120),
            ],
            tags);
        Assert.Equal([new TagRow("1.0", AppManifest, MediaTypes.OciManifest, 10, At, 0, null, 1_110)], await Queries.ListTagsAsync(App, 10, default));
        Assert.Equal(["1.27"], (await Queries.ListTagsAsync(Nginx, 1, default)).Select(t => t.Tag));
        Assert.Empty(await Queries.ListTagsAsync("site", 10, default));
    }

    [Fact]
    public async Task ListReferrers_TheRepositorysManifestsWithThatSubject()
    {
        await StoreAsync();

        Assert.Equal([new ReferrerRow(Signature, MediaTypes.OciManifest, SignatureType)], await Queries.ListReferrersAsync(App, AppManifest, default));
        Assert.Empty(await Queries.ListReferrersAsync(Nginx, AppManifest, default));
        Assert.Empty(await Queries.ListReferrersAsync(App, NginxManifest, default));
    }

    [Fact]
    public async Task LargestImages_TaggedImagesByTheirBytes_LargestFirst()
    {
        await StoreAsync();

        var images = await Queries.LargestImagesAsync(10, default);

        Assert.Equal([(Nginx, "docker.io", NginxManifest, 10_120L), (App, null, AppManifest, 1_110L)],
            images.Select(i => (i.Repository, i.Upstream, i.Digest, i.Bytes)));
        Assert.Equal(["1.27", "latest"], images[0].Tags.Order(StringComparer.Ordinal));
        Assert.Equal(["1.0"], images[1].Tags);
        Assert.Single(await Queries.LargestImagesAsync(1, default));
    }

    [Fact]
    public async Task FreedBytes_TheImagesBytesNothingElseHolds()
    {
        await StoreAsync();

        Assert.Equal(1_010, await Queries.FreedBytesAsync(App, AppManifest, default)); // not the layer nginx holds too
        Assert.Equal(10_020, await Queries.FreedBytesAsync(Nginx, NginxManifest, default));
        Assert.Equal(0, await Queries.FreedBytesAsync("site", AppManifest, default)); // another repository's image
    }

    [Fact]
    public async Task Breakdown_EachByteOnce_ByTheOnlyOriginThatHoldsIt_OrShared()
    {
        await StoreAsync();

        var breakdown = await Queries.BreakdownAsync(default);

        Assert.Equal(11_142, breakdown.StoredBytes); // the orphan too
        Assert.Equal(100, breakdown.SharedBytes);
        Assert.Equal([("", 1_015L), ("docker.io", 10_020L)], breakdown.OnlyBy.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => (o.Key, o.Value)));
    }
}
