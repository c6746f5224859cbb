using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Manifest GETs (pulls) per stored repository name and digest: how many, and the last (the metadata
/// database's <c>pulls</c> table in SQLite). Rows are by name, so they outlive eviction of what they count.
/// Counting in memory between writes is <c>Lifecycle/PullCounter</c>'s; the console reads the counts with
/// the tags (<see cref="IConsoleQueries.ListTagsAsync"/>).
/// </summary>
/// <remarks>Every backend passes <c>tests/OciCache.TestSupport/Storage/PullCountsContract.cs</c>.</remarks>
public interface IPullCounts
{
    /// <summary>
    /// Adds each count to the row of its repository and digest (made at the first), keeping the later of the
    /// two times; all of them or none (one write).
    /// </summary>
    Task AddAsync(IReadOnlyCollection<PullCount> counts, CancellationToken cancellationToken);

    /// <summary>The row of the repository and digest, or null when nothing was added for them.</summary>
    Task<PullCount?> FindAsync(string repository, Digest digest, CancellationToken cancellationToken);
}

/// <summary>Pulls of one repository's manifest: how many, and when the last was (to the millisecond).</summary>
public sealed record PullCount(string Repository, Digest Digest, long Count, DateTimeOffset LastPulledAt);
