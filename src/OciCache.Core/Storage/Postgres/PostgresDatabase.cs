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
    public Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        ReadAsync(connection => ExecuteAsync(connection, null, sql, cancellationToken, parameters), cancellationToken);

    /// <summary>Runs one query and maps every row.</summary>
    public Task<IReadOnlyList<T>> ReadAllAsync<T>(
        Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, string sql, params (string Name, object? Value)[] parameters) =>
        ReadAsync(connection => ReadAllAsync(connection, null, map, cancellationToken, sql, parameters), cancellationToken);

    /// <summary>Runs the statements in one transaction: all of them or none.</summary>
    public Task ExecuteInTransactionAsync(IEnumerable<(string Sql, (string Name, object? Value)[] Parameters)> statements, CancellationToken cancellationToken) =>
        TransactionAsync(async (connection, transaction) =>
        {
            foreach (var (sql, parameters) in statements)
            {
                await ExecuteAsync(connection, transaction, sql, cancellationToken, parameters);
            }

            return true;
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="query"/> on a pooled connection of its own (autocommit: each statement sees what was
    /// committed before it started). A PostgreSQL that cannot be reached fails with the storage failure
    /// (<see cref="StorageErrors"/>), never with Npgsql's exception.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> query, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            return await query(connection);
        }
        catch (Exception e) when (StorageErrors.AsFailure(e) is { } failure)
        {
            throw new Oci.FailureException(failure, e);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one READ COMMITTED transaction and commits it. A transaction PostgreSQL
    /// aborted as a deadlock victim or a serialization failure (40P01, 40001: nothing of it was kept) runs
    /// again, up to <see cref="Attempts"/> times in all; unreachable or still conflicting, it fails with the
    /// storage failure. <paramref name="work"/> must therefore only read and write through the transaction.
    /// </summary>
    public async Task<T> TransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                var result = await work(connection, transaction);
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (PostgresException e) when (attempt < Attempts && StorageErrors.IsConflict(e))
            {
                LogConflictRetried(e.SqlState, attempt);
            }
            catch (Exception e) when (StorageErrors.AsFailure(e) is { } failure)
            {
                throw new Oci.FailureException(failure, e);
            }
        }
    }

    /// <summary>How many times <see cref="TransactionAsync{T}"/> runs a transaction that lost a conflict.</summary>
    internal const int Attempts = 3;

    /// <summary>Runs one query on <paramref name="connection"/> and maps every row.</summary>
    internal static async Task<IReadOnlyList<T>> ReadAllAsync<T>(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken,
        string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>Runs one query on <paramref name="connection"/>; its first column of its first row, or null.</summary>
    internal static async Task<object?> ScalarAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    /// <summary>
    /// Streams the rows of one query on a connection held until the caller stops; failures to reach
    /// PostgreSQL become the storage failure, as in <see cref="ReadAsync{T}"/>.
    /// </summary>
    public async IAsyncEnumerable<T> StreamAsync<T>(
        Func<NpgsqlDataReader, T> map, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken,
        string sql, params (string Name, object? Value)[] parameters)
    {
        NpgsqlConnection? connection = null;
        NpgsqlCommand? command = null;
        NpgsqlDataReader? reader = null;
        try
        {
            try
            {
                connection = await _dataSource.OpenConnectionAsync(cancellationToken);
                command = Command(connection, null, sql, parameters);
                reader = await command.ExecuteReaderAsync(cancellationToken);
            }
            catch (Exception e) when (StorageErrors.AsFailure(e) is { } failure)
            {
                throw new Oci.FailureException(failure, e);
            }

            while (true)
            {
                try
                {
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (StorageErrors.AsFailure(e) is { } failure)
                {
                    throw new Oci.FailureException(failure, e);
                }

                yield return map(reader);
            }
        }
        finally
        {
            if (reader is not null)
            {
                await reader.DisposeAsync();
            }

            if (command is not null)
            {
                await command.DisposeAsync();
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// <paramref name="time"/> in UTC, cut to the millisecond: what SQLite's Unix milliseconds keep, so both
    /// backends hand back the same time (and Npgsql writes only offset 0 to <c>timestamptz</c>).
    /// </summary>
    public static DateTimeOffset ToMillisecond(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();

    internal static async Task<int> ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "A PostgreSQL transaction lost a conflict ({SqlState}) on attempt {Attempt}; running it again")]
    private partial void LogConflictRetried(string sqlState, int attempt);
}
