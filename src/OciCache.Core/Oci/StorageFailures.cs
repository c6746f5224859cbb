namespace OciCache.Oci;

/// <summary>
/// The data volume or the metadata database found no space (ENOSPC, EDQUOT, SQLITE_FULL): the write was
/// refused and nothing was kept. <paramref name="What"/> names what could not be written.
/// </summary>
public sealed record StorageFull(string What) : Failure("the registry's storage is full", What);

/// <summary>
/// Storage cannot be written now: the database is locked by another process past the busy timeout
/// (<see cref="RetryAfter"/> set: nothing was written, try again), or the volume or database is read-only,
/// or the database file was replaced.
/// </summary>
public sealed record StorageUnavailable(string Message, string? Detail, TimeSpan? RetryAfter = null) : Failure(Message, Detail)
{
    /// <summary>SQLITE_BUSY or SQLITE_LOCKED past the busy timeout.</summary>
    public static StorageUnavailable Busy() => new("the metadata database is busy",
        "another process holds its write lock; nothing was written, try again", TimeSpan.FromSeconds(10));

    /// <summary>EROFS on the data volume, or SQLITE_READONLY.</summary>
    public static StorageUnavailable ReadOnly() => new("the registry's storage is read-only", "data volume");
}
