using Microsoft.Data.Sqlite;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// The metadata roles (<see cref="IBlobIndex"/>, <see cref="IManifestIndex"/>, <see cref="IUploadIndex"/>,
/// <see cref="IEvictionIndex"/>, <see cref="IRepositoryCatalog"/>) on SQLite. Split by concern into partial
/// files (repositories and blobs, manifests and tags, uploads, lifecycle); this file holds the plumbing they share.
/// </summary>
/// <remarks>
/// Reads run on the caller's thread (Microsoft.Data.Sqlite has no truly asynchronous I/O, and WAL lets them
/// run beside the writer); writes are queued to the one writer thread and awaited.
/// </remarks>
public sealed partial class SqliteMetadataIndex(SqliteDatabase database, TimeProvider time)
    : IBlobIndex, IManifestIndex, IUploadIndex, IEvictionIndex, IRepositoryCatalog
{
    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    private T Read<T>(CancellationToken cancellationToken, Func<SqliteConnection, T> query)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = database.Open();
        return query(connection);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one immediate transaction on the writer thread, after every write
    /// queued before it; the caller's thread is free while the write waits.
    /// </summary>
    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work) => database.Writer.RunAsync(() => Transaction(work));

    private T Transaction<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var result = work(connection, transaction);
        transaction.Commit();
        return result;
    }

    private Task WriteAsync(Action<SqliteConnection, SqliteTransaction> work) =>
        WriteAsync<bool>((c, t) =>
        {
            work(c, t);
            return true;
        });

    private static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);

    private static Digest? OptionalDigest(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Digest.Parse(reader.GetString(ordinal));

    private static string? OptionalString(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Returns the id of the repository, creating it (with its upstream) when new.</summary>
    private long EnsureRepository(SqliteConnection connection, SqliteTransaction transaction, Repository repository)
    {
        using var insert = connection.Command(transaction,
            "INSERT INTO repositories(name, upstream, created_at) VALUES ($name, $upstream, $now) ON CONFLICT(name) DO NOTHING;" +
            "SELECT id FROM repositories WHERE name = $name;",
            ("$name", repository.Name), ("$upstream", repository.Upstream), ("$now", Now));
        return (long)insert.ExecuteScalar()!;
    }
}
