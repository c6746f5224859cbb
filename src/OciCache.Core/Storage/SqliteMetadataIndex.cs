using Microsoft.Data.Sqlite;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// <see cref="IMetadataIndex"/> on SQLite. Split by concern into partial files (repositories and blobs,
/// manifests and tags, uploads); this file holds the plumbing they share.
/// </summary>
public sealed partial class SqliteMetadataIndex(SqliteDatabase database, TimeProvider time) : IMetadataIndex
{
    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    private T Read<T>(Func<SqliteConnection, T> query)
    {
        using var connection = database.Open();
        return query(connection);
    }

    /// <summary>Runs <paramref name="work"/> in one immediate transaction on the writer thread, after every write queued before it.</summary>
    private T Write<T>(Func<SqliteConnection, SqliteTransaction, T> work) => database.Writer.Run(() => Transaction(work));

    /// <summary>As <see cref="Write{T}"/>, awaited: the caller's thread is free while the write waits.</summary>
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

    private void Write(Action<SqliteConnection, SqliteTransaction> work) =>
        Write<bool>((c, t) =>
        {
            work(c, t);
            return true;
        });

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, sql, parameters);
        command.Transaction = transaction;
        return command;
    }

    private static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);

    private static Digest? OptionalDigest(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Digest.Parse(reader.GetString(ordinal));

    private static string? OptionalString(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Returns the id of the repository, creating it (with its upstream) when new.</summary>
    private long EnsureRepository(SqliteConnection connection, SqliteTransaction transaction, string repository, string? upstream)
    {
        using var insert = Command(connection, transaction,
            "INSERT INTO repositories(name, upstream, created_at) VALUES ($name, $upstream, $now) ON CONFLICT(name) DO NOTHING;" +
            "SELECT id FROM repositories WHERE name = $name;",
            ("$name", repository), ("$upstream", upstream), ("$now", Now));
        return (long)insert.ExecuteScalar()!;
    }
}
