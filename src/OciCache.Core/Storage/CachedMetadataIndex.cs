using Microsoft.Extensions.Caching.Memory;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Keeps the hot lookups of metadata (tag to digest with its freshness, manifest records, blob links,
/// repository existence) in memory, so a warm HEAD touches neither SQLite nor disk.
/// Writes through this instance invalidate what they change: by key where the change is narrow, by
/// bumping a generation where it is wide (a removed blob or manifest can touch any key). Entries also
/// expire after <see cref="Lifetime"/>, which bounds staleness after another process (ocicache verify)
/// edits the database.
/// It decorates every role whose writes can change what it caches (<see cref="IBlobIndex"/>,
/// <see cref="IManifestIndex"/>, <see cref="IEvictionIndex"/>, <see cref="IRepositoryCatalog"/>), so those
/// writes must reach it; uploads are not cached and go to the backend directly.
/// </summary>
/// <remarks>
/// <para>
/// What may be served from memory, and for how long, is <see cref="CacheLifetimes"/>. With one process on
/// the database (SQLite: <see cref="OneProcess"/>) every answer is kept for <see cref="Lifetime"/>, since this
/// instance sees every write. When several replicas share it (PostgreSQL: <see cref="SharedDatabase"/>) the
/// writes of the others never reach this instance, so only facts that cannot turn false are kept long: a
/// manifest record found by repository and digest (its content is its digest; a DELETE on another replica
/// is seen here within <see cref="Lifetime"/>) and a repository that exists (repositories are never
/// removed). A blob link found (a DELETE or garbage collection elsewhere removes it) is kept for
/// <see cref="CacheLifetimes.Mutable"/>, a second. Tags and misses are not kept at all: a client that pushed
/// through one replica reads through the next at once (no load balancer sticks), and must find what it
/// pushed, not this replica's answer of a moment before.
/// </para>
/// Keys carry the version of their stripe as it was <em>before</em> the load, and a write bumps the
/// stripe after it committed. A reader that loaded the old row while a write ran therefore stores it
/// under a version nobody asks for any more, instead of resurrecting it.
/// </remarks>
public sealed class CachedMetadataIndex(
    IBlobIndex blobs, IManifestIndex manifests, IEvictionIndex eviction, IRepositoryCatalog catalog, IMemoryCache cache,
    CachedMetadataIndex.CacheLifetimes? lifetimes = null)
    : IBlobIndex, IManifestIndex, IEvictionIndex, IRepositoryCatalog
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    /// <summary>One process writes the database (SQLite): every answer for <see cref="Lifetime"/>.</summary>
    public static readonly CacheLifetimes OneProcess = new(Lifetime, Lifetime, Lifetime);

    /// <summary>Replicas share the database (PostgreSQL): links found for a second; tags and misses never.</summary>
    public static readonly CacheLifetimes SharedDatabase = new(Lifetime, TimeSpan.FromSeconds(1), TimeSpan.Zero);

    private readonly CacheLifetimes _lifetimes = lifetimes ?? OneProcess;

    /// <summary>
    /// How long answers stay in memory: <paramref name="Settled"/> for a found manifest record and an existing
    /// repository (facts no other writer can make false, short of a manifest DELETE); <paramref name="Mutable"/>
    /// for a blob link found; <paramref name="Volatile"/> for tags and every miss. Zero: not kept.
    /// </summary>
    public sealed record CacheLifetimes(TimeSpan Settled, TimeSpan Mutable, TimeSpan Volatile);

    private const int StripeCount = 1024;

    private readonly long[] _stripes = new long[StripeCount];
    private long _generation;

    private enum Kind : byte
    {
        Repository,
        LinkedBlob,
        Manifest,
        Tag,
    }

    private readonly record struct Key(long Generation, long Version, Kind Kind, string Repository, string Item);

    public ValueTask<bool> ExistsAsync(Repository repository, CancellationToken cancellationToken = default) =>
        LookupAsync(Kind.Repository, repository.Name, "", () => catalog.ExistsAsync(repository, cancellationToken));

    public ValueTask<long?> GetLinkedBlobSizeAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
        LookupAsync(Kind.LinkedBlob, repository.Name, digest.ToString(), () => blobs.GetLinkedBlobSizeAsync(repository, digest, cancellationToken));

    public ValueTask<ManifestRecord?> GetManifestAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
        LookupAsync(Kind.Manifest, repository.Name, digest.ToString(), () => manifests.GetManifestAsync(repository, digest, cancellationToken));

    public ValueTask<TagRecord?> GetTagAsync(Repository repository, string tag, CancellationToken cancellationToken = default) =>
        LookupAsync(Kind.Tag, repository.Name, tag, () => manifests.GetTagAsync(repository, tag, cancellationToken));

    public async Task AddBlobAsync(Repository repository, Digest digest, long size)
    {
        await blobs.AddBlobAsync(repository, digest, size);
        ForgetBlob(repository.Name, digest);
    }

    public async Task<bool> LinkBlobAsync(Repository repository, Digest digest)
    {
        var linked = await blobs.LinkBlobAsync(repository, digest);
        ForgetBlob(repository.Name, digest);
        return linked;
    }

    public async Task<BlobUnlink> UnlinkBlobAsync(Repository repository, Digest digest)
    {
        var unlinked = await blobs.UnlinkBlobAsync(repository, digest);
        Forget(Kind.LinkedBlob, repository.Name, digest.ToString());
        return unlinked;
    }

    /// <summary>Not cached: a quota check must see every link, and the quota's snapshot is kept by its owner.</summary>
    public Task<QuotaUsage> MeasureAsync(
        IReadOnlyList<RepositoryPattern> repositories, IReadOnlyCollection<Digest> candidates, CancellationToken cancellationToken = default) =>
        blobs.MeasureAsync(repositories, candidates, cancellationToken);

    public async Task RemoveBlobAsync(Digest digest)
    {
        await blobs.RemoveBlobAsync(digest);
        Interlocked.Increment(ref _generation);
    }

    public async Task<ManifestPut> PutManifestAsync(
        Repository repository, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag,
        IReadOnlyCollection<Digest>? linkedBlobs = null, bool keepTag = false)
    {
        var unlinked = await manifests.PutManifestAsync(repository, manifest, references, tag, linkedBlobs, keepTag);
        Forget(Kind.Manifest, repository.Name, manifest.Digest.ToString());
        Forget(Kind.Repository, repository.Name, "");
        if (tag is not null)
        {
            Forget(Kind.Tag, repository.Name, tag);
        }

        return unlinked;
    }

    private void ForgetBlob(string repository, Digest digest)
    {
        Forget(Kind.LinkedBlob, repository, digest.ToString());
        Forget(Kind.Repository, repository, "");
    }

    public async Task MarkTagCheckedAsync(Repository repository, string tag, DateTimeOffset checkedAt)
    {
        await manifests.MarkTagCheckedAsync(repository, tag, checkedAt);
        Forget(Kind.Tag, repository.Name, tag);
    }

    public async Task<bool> DeleteManifestAsync(Repository repository, Digest digest)
    {
        var deleted = await manifests.DeleteManifestAsync(repository, digest);
        Interlocked.Increment(ref _generation); // tags pointing at it went too
        return deleted;
    }

    public async Task<bool> DeleteTagAsync(Repository repository, string tag)
    {
        var deleted = await manifests.DeleteTagAsync(repository, tag);
        Forget(Kind.Tag, repository.Name, tag);
        return deleted;
    }

    public async Task<IReadOnlyList<Digest>> DeleteManifestTreeAsync(Repository repository, Digest root)
    {
        var touched = await eviction.DeleteManifestTreeAsync(repository, root);
        Interlocked.Increment(ref _generation); // manifests and tags of this repository went
        return touched;
    }

    public async Task<int> DeleteOrphanedLinksAsync(DateTimeOffset before)
    {
        var deleted = await eviction.DeleteOrphanedLinksAsync(before);
        if (deleted > 0)
        {
            Interlocked.Increment(ref _generation);
        }

        return deleted;
    }

    // Listings, enumeration and lifecycle queries are not hot: they go straight through.
    public Task<long> GetCachedBytesAsync(CancellationToken cancellationToken = default) => eviction.GetCachedBytesAsync(cancellationToken);

    public Task TouchBlobsAsync(IReadOnlyCollection<KeyValuePair<Digest, DateTimeOffset>> accesses) => eviction.TouchBlobsAsync(accesses);

    public Task<IReadOnlyList<EvictionCandidate>> ListEvictionCandidatesAsync(bool includeLocal, CancellationToken cancellationToken = default) =>
        eviction.ListEvictionCandidatesAsync(includeLocal, cancellationToken);

    public Task<IReadOnlyList<BlobRecord>> ListUnneededBlobsAsync(
        IReadOnlyCollection<Digest>? among, UnneededScope scope, CancellationToken cancellationToken = default) =>
        eviction.ListUnneededBlobsAsync(among, scope, cancellationToken);

    public Task MarkOrphanedLinksAsync(DateTimeOffset now) => eviction.MarkOrphanedLinksAsync(now);

    public Task<IReadOnlyList<string>> ListAsync(int limit, string? after, CancellationToken cancellationToken = default) =>
        catalog.ListAsync(limit, after, cancellationToken);

    public ValueTask<BlobRecord?> GetBlobAsync(Digest digest, CancellationToken cancellationToken = default) =>
        blobs.GetBlobAsync(digest, cancellationToken);

    public ValueTask<bool> IsReferencedByAsync(Repository repository, Digest digest, CancellationToken cancellationToken = default) =>
        blobs.IsReferencedByAsync(repository, digest, cancellationToken);

    public ValueTask<bool> IsLinkedFromUpstreamAsync(string upstream, Digest digest, CancellationToken cancellationToken = default) =>
        blobs.IsLinkedFromUpstreamAsync(upstream, digest, cancellationToken);

    public IAsyncEnumerable<BlobRecord> EnumerateBlobsAsync(CancellationToken cancellationToken = default) =>
        blobs.EnumerateBlobsAsync(cancellationToken);

    public Task<IReadOnlyList<string>?> ListTagsAsync(Repository repository, int limit, string? after, CancellationToken cancellationToken = default) =>
        manifests.ListTagsAsync(repository, limit, after, cancellationToken);

    public IAsyncEnumerable<ManifestRecord> ListReferrersAsync(
        Repository repository, Digest subject, string? artifactType, Digest? after, CancellationToken cancellationToken = default) =>
        manifests.ListReferrersAsync(repository, subject, artifactType, after, cancellationToken);

    /// <summary>A hit is answered from memory, without a task; a miss loads and keeps the answer under the key taken before the load.</summary>
    private ValueTask<T> LookupAsync<T>(Kind kind, string repository, string item, Func<ValueTask<T>> load)
    {
        var key = KeyOf(kind, repository, item);
        return cache.TryGetValue(key, out T? value) ? ValueTask.FromResult(value!) : LoadAsync(key, load);
    }

    private async ValueTask<T> LoadAsync<T>(Key key, Func<ValueTask<T>> load)
    {
        var value = await load();
        Store(key, value);
        return value;
    }

    private Key KeyOf(Kind kind, string repository, string item) =>
        new(Interlocked.Read(ref _generation), Volatile.Read(ref _stripes[Stripe(kind, repository, item)]), kind, repository, item);

    private static int Stripe(Kind kind, string repository, string item) =>
        (int)((uint)HashCode.Combine(kind, repository, item) % StripeCount);

    private void Store<T>(Key key, T value)
    {
        var lifetime = key.Kind switch
        {
            Kind.Manifest when value is not null => _lifetimes.Settled,
            Kind.Repository when value is true => _lifetimes.Settled,
            Kind.LinkedBlob when value is not null => _lifetimes.Mutable,
            _ => _lifetimes.Volatile,
        };
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        cache.Set(key, value, new MemoryCacheEntryOptions
        {
            Size = 1,
            AbsoluteExpirationRelativeToNow = lifetime,
        });
    }

    private void Forget(Kind kind, string repository, string item) =>
        Interlocked.Increment(ref _stripes[Stripe(kind, repository, item)]);
}
