using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// A warm tag pull confirms the tag with the upstream and records when it did. That record is bookkeeping:
/// when the metadata refuses the write (a full volume: SQLITE_FULL, or an I/O error from the same cause), the
/// confirmed copy is served anyway. DiskFullTests saw a 500 on such a warm pull once the volume was full.
/// </summary>
public sealed class TagCheckBookkeepingTests
{
    [Fact]
    public async Task WarmTagPull_WhenRecordingTheCheckFails_ServesTheConfirmedCopy()
    {
        using var hub = FakeUpstream.Start();
        var image = TestImage.Create(layers: 1, layerBytes: 10_000, seed: 2301);
        hub.Image("library/kept", "1.0", image);
        var refusing = new RefusingTagChecks();
        await using var cache = await RegistryServer.StartAsync(
            s =>
            {
                s.Upstreams["docker.io"] = new() { Url = hub.Url };
                s.Cache.TagRevalidateInterval = TimeSpan.Zero; // every tag pull asks the upstream
            },
            services: services => services.AddSingleton<IManifestIndex>(sp =>
                refusing.Around(sp.GetRequiredService<CachedMetadataIndex>())));

        await UpstreamAuthTests.AssertPullsAsync(cache.Client, "library/kept", "1.0", image, "?ns=docker.io");

        refusing.Refuse = true;
        using var response = await cache.Client.GetAsync("/v2/library/kept/manifests/1.0?ns=docker.io");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(image.Manifest.Digest.ToString(), response.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.True(refusing.Refused > 0, "the warm pull did try to record its check");
    }

    /// <summary>The real index, except that recording a tag check fails as a full volume makes it fail.</summary>
    private sealed class RefusingTagChecks
    {
        public volatile bool Refuse;

        private int _refused;

        public int Refused => Volatile.Read(ref _refused);

        public IManifestIndex Around(IManifestIndex inner) => new Index(inner, this);

        private sealed class Index(IManifestIndex inner, RefusingTagChecks owner) : IManifestIndex
        {
            public ValueTask<ManifestRecord?> GetManifestAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
                inner.GetManifestAsync(repository, digest, cancellationToken);

            public ValueTask<TagRecord?> GetTagAsync(Repository repository, string tag, CancellationToken cancellationToken = default) =>
                inner.GetTagAsync(repository, tag, cancellationToken);

            public Task<ManifestPut> PutManifestAsync(
                Repository repository, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag,
                IReadOnlyCollection<Digest>? linkedBlobs = null, bool keepTag = false) =>
                inner.PutManifestAsync(repository, manifest, references, tag, linkedBlobs, keepTag);

            public Task MarkTagCheckedAsync(Repository repository, string tag, DateTimeOffset checkedAt)
            {
                if (!owner.Refuse)
                {
                    return inner.MarkTagCheckedAsync(repository, tag, checkedAt);
                }

                Interlocked.Increment(ref owner._refused);
                throw new FailureException(new StorageFull("metadata database"));
            }

            public Task<bool> DeleteManifestAsync(Repository repository, Digest digest) => inner.DeleteManifestAsync(repository, digest);

            public Task<bool> DeleteTagAsync(Repository repository, string tag) => inner.DeleteTagAsync(repository, tag);

            public Task<IReadOnlyList<string>?> ListTagsAsync(Repository repository, int limit, string? after, CancellationToken cancellationToken = default) =>
                inner.ListTagsAsync(repository, limit, after, cancellationToken);

            public IAsyncEnumerable<ManifestRecord> ListReferrersAsync(
                Repository repository, Digest subject, string? artifactType, Digest? after, CancellationToken cancellationToken = default) =>
                inner.ListReferrersAsync(repository, subject, artifactType, after, cancellationToken);
        }
    }
}
