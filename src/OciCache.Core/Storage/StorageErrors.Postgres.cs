using System.Net.Sockets;
using Npgsql;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Where PostgreSQL's failures become storage failures, as for SQLite's:
/// <see cref="StorageUnavailable"/> with a <see cref="StorageUnavailable.RetryAfter"/> (the host answers 503
/// and <c>Retry-After</c>) when the server cannot be reached or will not take work now, and
/// <see cref="StorageFull"/> when it is out of disk. <c>Postgres/PostgresDatabase</c> translates every statement
/// it runs; <see cref="AsFailure"/> asks here about anything else that reached the host. (Here, not in
/// Storage.Postgres, so that Storage does not import its own sub-namespace back.)
/// </summary>
/// <remarks>
/// The messages are fixed texts and SQLSTATE codes: never Npgsql's message, nor the connection string (its
/// password). Anything not listed (a constraint, a syntax error) stays an exception: a defect, a 500.
/// SQLSTATEs: https://www.postgresql.org/docs/current/errcodes-appendix.html
/// </remarks>
public static partial class StorageErrors
{
    /// <summary>How long a client is told to wait before trying again after PostgreSQL failed.</summary>
    public static readonly TimeSpan PostgresRetryAfter = TimeSpan.FromSeconds(5);

    private const string PostgresMessage = "the metadata database cannot be reached";

    /// <summary>The storage failure a PostgreSQL failure is, or null when it is none (a defect: a constraint, a syntax error).</summary>
    internal static Failure? AsPostgresFailure(NpgsqlException e) => e switch
    {
        PostgresException { SqlState: "53100" } => new StorageFull("metadata database"), // disk_full
        PostgresException p when IsUnavailable(p.SqlState) => Unavailable($"PostgreSQL answered {p.SqlState}; nothing was written, try again"),
        PostgresException => null,
        _ when IsUnreachable(e) => Unavailable("PostgreSQL did not answer; nothing was written, try again"),
        _ => null,
    };

    /// <summary>A transaction PostgreSQL aborted to settle a conflict: a deadlock victim, a serialization failure.</summary>
    internal static bool IsConflict(PostgresException e) => e.SqlState is "40P01" or "40001";

    private static StorageUnavailable Unavailable(string detail) => new(PostgresMessage, detail, PostgresRetryAfter);

    /// <summary>
    /// Class 08 (connection exception), 53300 too_many_connections, 57P01 admin_shutdown, 57P02
    /// crash_shutdown, 57P03 cannot_connect_now, 58000/58030 system and I/O errors, 25006 a read-only
    /// (standby) server, and a conflict still lost after <c>PostgresDatabase.Attempts</c> runs.
    /// </summary>
    private static bool IsUnavailable(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) ||
        sqlState is "53300" or "57P01" or "57P02" or "57P03" or "58000" or "58030" or "25006" or "40P01" or "40001";

    /// <summary>
    /// The client side of the same: the socket was refused, reset or timed out, the pool found no connection
    /// in time, or Npgsql itself calls the failure transient.
    /// </summary>
    private static bool IsUnreachable(NpgsqlException e) =>
        e.IsTransient || e.InnerException is SocketException or IOException or TimeoutException ||
        e.InnerException is NpgsqlException { InnerException: SocketException or IOException or TimeoutException };
}
