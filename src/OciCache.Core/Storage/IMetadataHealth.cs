namespace OciCache.Storage;

/// <summary>
/// Whether metadata can be relied on now, for <c>/readyz</c>, for refusing writes that would be lost, and for
/// garbage collection's leftovers. One implementation per metadata backend: the SQLite file as opened
/// (<see cref="DatabaseFile"/>), or the shared PostgreSQL database reachable.
/// </summary>
public interface IMetadataHealth
{
    /// <summary>
    /// Why a write must be refused before it starts (it would be acknowledged and then lost), or null. Cheap:
    /// checked on every write request. A backend whose failures show at the write itself answers null.
    /// </summary>
    string? WriteRefusal { get; }

    /// <summary>Null while metadata can be read and written, else why not, naming the backend (for <c>/readyz</c>).</summary>
    ValueTask<string?> ProbeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Unknown blobs may be deleted as leftovers of interrupted writes only while the metadata is the one that
    /// knew them.
    /// </summary>
    bool MayCollectUnknownBlobs { get; }

    /// <summary>
    /// The database's own consistency, for <c>ocicache verify</c>: each problem found (SQLite's integrity and
    /// foreign key checks; PostgreSQL keeps its constraints itself, so only whether it can be reached).
    /// </summary>
    Task<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken cancellationToken);
}
