using Microsoft.Extensions.Logging;
using Npgsql;

namespace OciCache.Storage.Postgres;

/// <summary>
/// The PostgreSQL metadata database: owns one <see cref="NpgsqlDataSource"/> (its connection pool) built from
/// a connection string, migrates the schema (<see cref="PostgresMigrations"/>), and runs the stores'
/// statements with bound parameters only. Unlike SQLite there is no writer thread: the server serialises
/// writers, and several replicas share one database, so every write is a single statement or one
/// transaction. Built with Npgsql's slim builder (plus arrays) so that Native AOT carries only the type
/// handlers the stores use.
/// </summary>
internal sealed partial class PostgresDatabase : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// The session-level advisory lock every replica takes to migrate: one migrates, the others wait on the
    /// lock and then find every version recorded. Advisory locks are per database, so one key is enough.
    /// </summary>
    internal const long MigrationLockKey = 0x4F43_4943_6D69_6772; // "OCICmigr"

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<PostgresDatabase> _logger;

    public PostgresDatabase(string connectionString, ILogger<PostgresDatabase> logger)
    {
        var builder = new NpgsqlSlimDataSourceBuilder(connectionString);
        builder.EnableArrays();
        _dataSource = builder.Build();
        _logger = logger;
    }

    /// <summary>
    /// Applies the migrations this database has not recorded yet, in order, each in its own transaction with
    /// its <c>schema_migrations</c> row, all under <see cref="MigrationLockKey"/>; returns how many this call
    /// applied (0 when another replica, or an earlier start, applied them).
    /// </summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", MigrationLockKey));
        try
        {
            await ExecuteAsync(connection, null,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                cancellationToken);
            var applied = new HashSet<int>();
            await using (var command = Command(connection, null, "SELECT version FROM schema_migrations", []))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var count = 0;
            foreach (var (version, sql) in PostgresMigrations.All.Where(m => !applied.Contains(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, sql, cancellationToken);
                await ExecuteAsync(connection, transaction, "INSERT INTO schema_migrations (version) VALUES (@version)", cancellationToken, ("version", version));
                await transaction.CommitAsync(cancellationToken);
                LogMigrated(version);
                count++;
            }

            return count;
        }
        finally
        {
            // Unlocked on this connection before it goes back to the pool (a closed session drops it anyway).
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", MigrationLockKey));
        }
    }

    /// <summary>
    /// Null when the database answers a trivial query within <paramref name="timeout"/>, else why not (the
    /// driver's message names the host and the cause; Npgsql never puts the password in one).
    /// </summary>
    public async Task<string?> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(limit.Token);
            await using var command = Command(connection, null, "SELECT 1", []);
            await command.ExecuteScalarAsync(limit.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {timeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
        {
            return e.Message;
        }
    }

    /// <summary>Runs one statement; the rows it affected.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await ExecuteAsync(connection, null, sql, cancellationToken, parameters);
    }

    /// <summary>Runs one query and maps every row.</summary>
    public async Task<IReadOnlyList<T>> ReadAllAsync<T>(
        Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>Runs the statements in one transaction: all of them or none.</summary>
    public async Task ExecuteInTransactionAsync(IEnumerable<(string Sql, (string Name, object? Value)[] Parameters)> statements, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (sql, parameters) in statements)
        {
            await ExecuteAsync(connection, transaction, sql, cancellationToken, parameters);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// <paramref name="time"/> in UTC, cut to the millisecond: what SQLite's Unix milliseconds keep, so both
    /// backends hand back the same time (and Npgsql writes only offset 0 to <c>timestamptz</c>).
    /// </summary>
    public static DateTimeOffset ToMillisecond(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();

    private static async Task<int> ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        }

        return command;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied PostgreSQL metadata migration {Version}")]
    private partial void LogMigrated(int version);
}
