using Microsoft.Data.Sqlite;
using Npgsql;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Where SQLite's and the file system's failures become storage failures: <see cref="StorageFull"/> for
/// ENOSPC, EDQUOT and SQLITE_FULL, <see cref="StorageUnavailable"/> for SQLITE_BUSY and SQLITE_LOCKED past
/// the busy timeout, SQLITE_READONLY and EROFS; PostgreSQL's are in StorageErrors.Postgres.cs. <see cref="SqliteWriter"/> translates every write; the
/// host's middleware asks <see cref="AsFailure"/> about anything else that reached it, so no caller above
/// Storage names a SQLite error code.
/// </summary>
public static partial class StorageErrors
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;
    private const int EROFS = 30;

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteFull = 13;

    /// <summary>The storage failure <paramref name="e"/> is, or null when it is none (a defect, a cancellation).</summary>
    public static Failure? AsFailure(Exception e) => e switch
    {
        FailureException { Failure: StorageFull or StorageUnavailable } f => f.Failure,
        SqliteException { SqliteErrorCode: SqliteFull } => new StorageFull("metadata database"),
        SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked } => StorageUnavailable.Busy(),
        SqliteException { SqliteErrorCode: SqliteReadOnly } => StorageUnavailable.ReadOnly(),
        NpgsqlException postgres => AsPostgresFailure(postgres),
        _ when IsDiskFull(e) => new StorageFull("data volume"),
        _ when IsReadOnly(e) => StorageUnavailable.ReadOnly(),
        _ => null,
    };

    /// <summary><paramref name="e"/> as a <see cref="FailureException"/> when it is a storage failure, else itself.</summary>
    internal static Exception Translate(Exception e) =>
        e is not FailureException && AsFailure(e) is { } failure ? new FailureException(failure, e) : e;

    /// <summary>True for "no space left on device" and quota exhaustion, the failures a full disk produces.</summary>
    internal static bool IsDiskFull(Exception e) =>
        e is IOException io && (io.HResult is ENOSPC or EDQUOT ||
                                (io.HResult & 0xFFFF) is ENOSPC or EDQUOT ||
                                io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase));

    /// <summary>True for "read-only file system": the volume was mounted (or remounted) read-only.</summary>
    internal static bool IsReadOnly(Exception e) =>
        e is IOException io && (io.HResult == EROFS || (io.HResult & 0xFFFF) == EROFS ||
                                io.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase));
}
