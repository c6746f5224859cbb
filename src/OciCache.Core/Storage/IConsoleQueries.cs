using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// The console's read-only questions about what is stored: repositories with their sizes, tags with what
/// each holds and how often it was pulled, referrers, the largest images, what evicting an image would free
/// and the bytes by origin. Every answer is bounded by a limit; none writes. Repositories are named as
/// stored (a mirror repository's name starts with its upstream). Who may see which repository is the
/// console's to filter.
/// </summary>
/// <remarks>Every backend passes <c>tests/OciCache.TestSupport/Storage/ConsoleQueriesContract.cs</c>.</remarks>
public interface IConsoleQueries
{
    /// <summary>
    /// Repositories named after <paramref name="after"/> (ordinal) whose name contains <paramref name="query"/>
    /// (ignoring case; null or empty: all), by name, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<RepositoryRow>> ListRepositoriesAsync(string? query, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>The repository's row, or null when it is not stored.</summary>
    Task<RepositoryRow?> FindRepositoryAsync(string name, CancellationToken cancellationToken);

    /// <summary>Tags of the repository with their manifests, by tag name, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<TagRow>> ListTagsAsync(string repository, int limit, CancellationToken cancellationToken);

    /// <summary>The manifests of the repository whose subject is <paramref name="subject"/>, by digest, at most 100.</summary>
    Task<IReadOnlyList<ReferrerRow>> ListReferrersAsync(string repository, Digest subject, CancellationToken cancellationToken);

    /// <summary>Tagged images by the bytes they hold (manifests and blobs, shared ones counted in each), largest first.</summary>
    Task<IReadOnlyList<ImageSizeRow>> LargestImagesAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// What evicting the image would free: the bytes of its manifest tree that nothing else holds (no other
    /// repository links or stores them, no manifest outside the tree references them).
    /// </summary>
    Task<long> FreedBytesAsync(string repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>
    /// The store's bytes by origin, each byte counted once: what only one upstream holds (the empty name:
    /// only local repositories), what more than one origin shares, and every stored blob and manifest.
    /// The difference of the whole and the rest is content no repository holds (garbage collection's).
    /// </summary>
    Task<StorageBreakdown> BreakdownAsync(CancellationToken cancellationToken);
}
