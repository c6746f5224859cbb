using Npgsql;
using OciCache.Oci;

namespace OciCache.Storage.Postgres;

/// <summary>
/// The metadata roles (<see cref="IBlobIndex"/>, <see cref="IManifestIndex"/>, <see cref="IUploadIndex"/>,
/// <see cref="IEvictionIndex"/>, <see cref="IRepositoryCatalog"/>) on PostgreSQL (tables of migration 2,
/// <see cref="PostgresMetadataSchema"/>), with the behaviour of <see cref="SqliteMetadataIndex"/>. Split by
/// concern into partial files like it; this file holds the plumbing they share.
/// </summary>
/// <remarks>
/// SQLite has one writer, so its checks and writes never interleave. Here several replicas write at once,
/// under READ COMMITTED, so every write SQLite does in one transaction is one transaction, and where a check
/// decides a write the rows it relies on are locked first (see <c>PutManifestAsync</c> and
/// <c>UnlinkBlobAsync</c>); upserts are <c>ON CONFLICT</c>, and a transaction that loses a deadlock runs again
/// (<see cref="PostgresDatabase.TransactionAsync{T}"/>). Reads are single statements on a pooled connection.
/// </remarks>
internal sealed partial class PostgresMetadataIndex(PostgresDatabase database, TimeProvider time)
    : IBlobIndex, IManifestIndex, IUploadIndex, IEvictionIndex, IRepositoryCatalog
{
    private DateTimeOffset Now => PostgresDatabase.ToMillisecond(time.GetUtcNow());

    private Task<T> ReadAsync<T>(CancellationToken cancellationToken, Func<NpgsqlConnection, Task<T>> query) =>
        database.ReadAsync(query, cancellationToken);

    /// <summary>Reads the rows of one query.</summary>
    private Task<IReadOnlyList<T>> RowsAsync<T>(
        CancellationToken cancellationToken, Func<NpgsqlDataReader, T> map, string sql, params (string Name, object? Value)[] parameters) =>
        database.ReadAllAsync(map, cancellationToken, sql, parameters);

    /// <summary>True when the query yields a row.</summary>
    private async Task<bool> AnyAsync(CancellationToken cancellationToken, string sql, params (string Name, object? Value)[] parameters) =>
        (await RowsAsync(cancellationToken, _ => true, sql, parameters)).Count > 0;

    private Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work) =>
        database.TransactionAsync(work, CancellationToken.None);

    private Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> work) =>
        database.TransactionAsync(async (c, t) =>
        {
            await work(c, t);
            return true;
        }, CancellationToken.None);

    private static Task<int> ExecuteAsync(NpgsqlConnection c, NpgsqlTransaction t, string sql, params (string Name, object? Value)[] parameters) =>
        PostgresDatabase.ExecuteAsync(c, t, sql, CancellationToken.None, parameters);

    private static Task<object?> ScalarAsync(NpgsqlConnection c, NpgsqlTransaction t, string sql, params (string Name, object? Value)[] parameters) =>
        PostgresDatabase.ScalarAsync(c, t, sql, CancellationToken.None, parameters);

    private static DateTimeOffset Time(NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static Digest? OptionalDigest(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Digest.Parse(reader.GetString(ordinal));

    private static string? OptionalString(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static BlobRecord ReadBlob(NpgsqlDataReader reader) =>
        new(Digest.Parse(reader.GetString(0)), reader.GetInt64(1), Time(reader, 2), Time(reader, 3));

    /// <summary>
    /// The id of the repository, created (with its upstream) when new. Two statements, so that under READ
    /// COMMITTED the select sees a row another replica inserted and committed while the insert waited on it.
    /// </summary>
    private async Task<long> EnsureRepositoryAsync(NpgsqlConnection c, NpgsqlTransaction t, Repository repository)
    {
        await ExecuteAsync(c, t,
            "INSERT INTO repositories (name, upstream, created_at) VALUES (@name, @upstream, @now) ON CONFLICT (name) DO NOTHING",
            ("name", repository.Name), ("upstream", repository.Upstream), ("now", Now));
        return (long)(await ScalarAsync(c, t, "SELECT id FROM repositories WHERE name = @name", ("name", repository.Name)))!;
    }

    /// <summary>The id of a stored repository, or null.</summary>
    private static async Task<long?> RepositoryIdAsync(NpgsqlConnection c, NpgsqlTransaction t, Repository repository) =>
        await ScalarAsync(c, t, "SELECT id FROM repositories WHERE name = @name", ("name", repository.Name)) as long?;
}
