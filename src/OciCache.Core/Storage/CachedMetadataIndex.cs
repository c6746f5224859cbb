using Microsoft.Extensions.Caching.Memory;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Keeps the hot lookups of <see cref="IMetadataIndex"/> (tag to digest with its freshness, manifest
/// records, blob links, repository existence) in memory, so a warm HEAD touches neither SQLite nor disk.
/// Writes through this instance invalidate what they change: by key where the change is narrow, by
/// bumping a generation where it is wide (a removed blob or manifest can touch any key). Entries also
/// expire after <see cref="Lifetime"/>, which bounds staleness after another process (ocicache verify)
/// edits the database.
/// </summary>
/// <remarks>
/// Keys carry the version of their stripe as it was <em>before</em> the load, and a write bumps the
/// stripe after it committed. A reader that loaded the old row while a write ran therefore stores it
/// under a version nobody asks for any more, instead of resurrecting it.
/// </remarks>
public sealed class CachedMetadataIndex(IMetadataIndex inner, IMemoryCache cache) : IMetadataIndex
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

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

    public bool RepositoryExists(string repository) =>
        Lookup(Kind.Repository, repository, "", () => inner.RepositoryExists(repository));

    public long? GetLinkedBlobSize(string repository, Digest digest) =>
        Lookup(Kind.LinkedBlob, repository, digest.ToString(), () => inner.GetLinkedBlobSize(repository, digest));

    public ManifestRecord? GetManifest(string repository, Digest digest) =>
        Lookup(Kind.Manifest, repository, digest.ToString(), () => inner.GetManifest(repository, digest));

    public TagRecord? GetTag(string repository, string tag) =>
        Lookup(Kind.Tag, repository, tag, () => inner.GetTag(repository, tag));

    public void AddBlob(string repository, string? upstream, Digest digest, long size)
    {
        inner.AddBlob(repository, upstream, digest, size);
        ForgetBlob(repository, digest);
    }

    public async Task AddBlobAsync(string repository, string? upstream, Digest digest, long size)
    {
        await inner.AddBlobAsync(repository, upstream, digest, size);
        ForgetBlob(repository, digest);
    }

    public async Task<bool> LinkBlobAsync(string repository, string? upstream, Digest digest)
    {
        var linked = await inner.LinkBlobAsync(repository, upstream, digest);
        Forget(Kind.LinkedBlob, repository, digest.ToString());
        Forget(Kind.Repository, repository, "");
        return linked;
    }

    public async Task<BlobUnlink> UnlinkBlobAsync(string repository, Digest digest)
    {
        var unlinked = await inner.UnlinkBlobAsync(repository, digest);
        Forget(Kind.LinkedBlob, repository, digest.ToString());
        return unlinked;
    }

    public void RemoveBlob(Digest digest)
    {
        inner.RemoveBlob(digest);
        Interlocked.Increment(ref _generation);
    }

    public void PutManifest(string repository, string? upstream, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag)
    {
        inner.PutManifest(repository, upstream, manifest, references, tag);
        ForgetManifest(repository, manifest, tag);
    }

    public async Task<Digest?> PutManifestAsync(
        string repository, string? upstream, ManifestRecord manifest, IReadOnlyCollection<Digest> references, string? tag,
        IReadOnlyCollection<Digest>? linkedBlobs = null)
    {
        var unlinked = await inner.PutManifestAsync(repository, upstream, manifest, references, tag, linkedBlobs);
        ForgetManifest(repository, manifest, tag);
        return unlinked;
    }

    private void ForgetBlob(string repository, Digest digest)
    {
        Forget(Kind.LinkedBlob, repository, digest.ToString());
        Forget(Kind.Repository, repository, "");
    }

    private void ForgetManifest(string repository, ManifestRecord manifest, string? tag)
    {
        Forget(Kind.Manifest, repository, manifest.Digest.ToString());
        Forget(Kind.Repository, repository, "");
        if (tag is not null)
        {
            Forget(Kind.Tag, repository, tag);
        }
    }

    public async Task MarkTagCheckedAsync(string repository, string tag, DateTimeOffset checkedAt)
    {
        await inner.MarkTagCheckedAsync(repository, tag, checkedAt);
        Forget(Kind.Tag, repository, tag);
    }

    public async Task<bool> DeleteManifestAsync(string repository, Digest digest)
    {
        var deleted = await inner.DeleteManifestAsync(repository, digest);
        Interlocked.Increment(ref _generation); // tags pointing at it went too
        return deleted;
    }

    public async Task<bool> DeleteTagAsync(string repository, string tag)
    {
        var deleted = await inner.DeleteTagAsync(repository, tag);
        Forget(Kind.Tag, repository, tag);
        return deleted;
    }

    public IReadOnlyList<Digest> DeleteManifestTree(string repository, Digest root)
    {
        var touched = inner.DeleteManifestTree(repository, root);
        Interlocked.Increment(ref _generation); // manifests and tags of this repository went
        return touched;
    }

    public int DeleteOrphanedLinks(DateTimeOffset before)
    {
        var deleted = inner.DeleteOrphanedLinks(before);
        if (deleted > 0)
        {
            Interlocked.Increment(ref _generation);
        }

        return deleted;
    }

    // Listings, enumeration, lifecycle queries and uploads are not hot: they go straight through.
    public long GetCachedBytes() => inner.GetCachedBytes();

    public void TouchBlobs(IReadOnlyCollection<KeyValuePair<Digest, DateTimeOffset>> accesses) => inner.TouchBlobs(accesses);

    public IReadOnlyList<EvictionCandidate> ListEvictionCandidates(bool includeLocal) => inner.ListEvictionCandidates(includeLocal);

    public IReadOnlyList<BlobRecord> ListUnneededBlobs(IReadOnlyCollection<Digest>? among, UnneededScope scope) => inner.ListUnneededBlobs(among, scope);

    public void MarkOrphanedLinks(DateTimeOffset now) => inner.MarkOrphanedLinks(now);

    public IReadOnlyList<string> ListRepositories(int limit, string? after) => inner.ListRepositories(limit, after);

    public BlobRecord? GetBlob(Digest digest) => inner.GetBlob(digest);

    public bool IsReferencedBy(string repository, Digest digest) => inner.IsReferencedBy(repository, digest);

    public bool IsLinkedFromUpstream(string upstream, Digest digest) => inner.IsLinkedFromUpstream(upstream, digest);

    public IEnumerable<BlobRecord> EnumerateBlobs() => inner.EnumerateBlobs();

    public IReadOnlyList<string>? ListTags(string repository, int limit, string? after) => inner.ListTags(repository, limit, after);

    public void ListReferrers(string repository, Digest subject, string? artifactType, Digest? after, Func<ManifestRecord, bool> visit) =>
        inner.ListReferrers(repository, subject, artifactType, after, visit);

    public Task CreateUploadAsync(UploadRecord upload) => inner.CreateUploadAsync(upload);

    public UploadRecord? GetUpload(string id) => inner.GetUpload(id);

    public void SetUploadSize(string id, long size, DateTimeOffset updatedAt) => inner.SetUploadSize(id, size, updatedAt);

    public Task SetUploadSizeAsync(string id, long size, DateTimeOffset updatedAt) => inner.SetUploadSizeAsync(id, size, updatedAt);

    public Task DeleteUploadAsync(string id) => inner.DeleteUploadAsync(id);

    public IReadOnlyList<UploadRecord> ListUploads() => inner.ListUploads();

    private T Lookup<T>(Kind kind, string repository, string item, Func<T> load)
    {
        var key = KeyOf(kind, repository, item);
        if (cache.TryGetValue(key, out T? value))
        {
            return value!;
        }

        value = load();
        Store(key, value);
        return value;
    }

    private Key KeyOf(Kind kind, string repository, string item) =>
        new(Interlocked.Read(ref _generation), Volatile.Read(ref _stripes[Stripe(kind, repository, item)]), kind, repository, item);

    private static int Stripe(Kind kind, string repository, string item) =>
        (int)((uint)HashCode.Combine(kind, repository, item) % StripeCount);

    private void Store<T>(Key key, T value) =>
        cache.Set(key, value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });

    private void Forget(Kind kind, string repository, string item) =>
        Interlocked.Increment(ref _stripes[Stripe(kind, repository, item)]);
}
