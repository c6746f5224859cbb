using Microsoft.Data.Sqlite;
using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// Opens connections to the metadata database and owns its schema. WAL lets readers run beside the one
/// writer; writers are serialised in-process by <see cref="Writer"/>, one thread, so they do not spin on
/// SQLITE_BUSY and no request thread blocks on them, and a busy database held by another process
/// (ocicache verify) is waited on, not failed.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    internal const int SchemaVersion = 7;

    /// <summary>The version that adds <see cref="Schema.ApiKeys"/> (the one constant to change to renumber it).</summary>
    internal const int ApiKeysVersion = 6;

    /// <summary>The version that adds <see cref="Schema.ApiKeyOrigin"/>.</summary>
    internal const int ApiKeyOriginVersion = 7;

    private readonly string _connectionString;

    public SqliteDatabase(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();
        Path = path;
        CreatedNew = !File.Exists(path);
        Migrate();
    }

    public string Path { get; }

    /// <summary>The file did not exist when this process opened it: it was created, empty, at this start.</summary>
    public bool CreatedNew { get; }

    public SqliteWriter Writer { get; } = new();

    /// <summary>Stops the writer thread once the writes queued so far are done.</summary>
    public void Dispose() => Writer.Dispose();

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        // NORMAL is crash-safe in WAL mode; a power cut may lose the last transactions, never corrupt.
        pragma.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private void Migrate()
    {
        using var connection = Open();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(command.ExecuteScalar());
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The metadata database {Path} has schema version {version}, newer than this ocicache ({SchemaVersion}).");
        }

        if (version < 1)
        {
            command.CommandText = Schema.Version1;
            command.ExecuteNonQuery();
        }

        if (version < 2)
        {
            command.CommandText = Schema.Version2;
            command.ExecuteNonQuery();
        }

        if (version < 3)
        {
            CutStoredAnnotations(connection, transaction);
        }

        if (version < 4)
        {
            command.CommandText = Schema.Version4;
            command.ExecuteNonQuery();
        }

        if (version < 5)
        {
            command.CommandText = Schema.Version5;
            command.ExecuteNonQuery();
        }

        if (version < ApiKeysVersion)
        {
            command.CommandText = Schema.ApiKeys;
            command.ExecuteNonQuery();
        }

        if (version < ApiKeyOriginVersion)
        {
            // ALTER TABLE has no IF NOT EXISTS: a database whose version was set back keeps its column.
            command.CommandText = "SELECT count(*) FROM pragma_table_info('api_keys') WHERE name = 'origin'";
            if ((long)command.ExecuteScalar()! == 0)
            {
                command.CommandText = Schema.ApiKeyOrigin;
                command.ExecuteNonQuery();
            }
        }

        command.CommandText = $"PRAGMA user_version = {SchemaVersion};";
        command.ExecuteNonQuery();

        transaction.Commit();
    }

    /// <summary>
    /// Version 3: annotations stored before they were cut for descriptors (rows of up to 4 MiB in the
    /// <c>WITHOUT ROWID</c> manifests table, read by every probe of the row) are cut now, as
    /// <see cref="AnnotationLimits.ForDescriptor"/> cuts new ones; the manifest's bytes keep them all.
    /// </summary>
    private static void CutStoredAnnotations(SqliteConnection connection, SqliteTransaction transaction)
    {
        var rows = new List<(long Repository, string Digest, string? Annotations)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT repository_id, digest, annotations FROM manifests WHERE length(CAST(annotations AS BLOB)) > $max";
            select.Parameters.AddWithValue("$max", AnnotationLimits.MaxDescriptorBytes);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), AnnotationLimits.ForDescriptor(reader.GetString(2))));
            }
        }

        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE manifests SET annotations = $annotations WHERE repository_id = $repository AND digest = $digest";
        foreach (var (repository, digest, annotations) in rows)
        {
            update.Parameters.Clear();
            update.Parameters.AddWithValue("$annotations", (object?)annotations ?? DBNull.Value);
            update.Parameters.AddWithValue("$repository", repository);
            update.Parameters.AddWithValue("$digest", digest);
            update.ExecuteNonQuery();
        }
    }
}
