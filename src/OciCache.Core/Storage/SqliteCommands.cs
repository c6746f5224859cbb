using Microsoft.Data.Sqlite;

namespace OciCache.Storage;

/// <summary>
/// Building a parameterised command, for every SQLite class of Storage (the metadata index and the stores of
/// accounts, pins, pull counts and console queries). Values are always parameters, never text in the statement; null is stored
/// as SQL NULL.
/// </summary>
internal static class SqliteCommands
{
    public static SqliteCommand Command(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>As the overload above, with the command inside <paramref name="transaction"/>.</summary>
    public static SqliteCommand Command(this SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.Command(sql, parameters);
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Runs a statement that changes rows on the database's one writer thread; the rows it changed.</summary>
    public static Task<int> ExecuteOnWriterAsync(this SqliteDatabase database, string sql, params (string Name, object? Value)[] parameters) =>
        database.Writer.RunAsync(() =>
        {
            using var connection = database.Open();
            using var command = connection.Command(sql, parameters);
            return command.ExecuteNonQuery();
        });

    /// <summary>Reads every row of a query on a connection of its own (WAL: beside the writer).</summary>
    public static async Task<IReadOnlyList<T>> ReadAllAsync<T>(
        this SqliteDatabase database, Func<SqliteDataReader, T> row, CancellationToken cancellationToken, string sql,
        params (string Name, object? Value)[] parameters)
    {
        await using var connection = database.Open();
        await using var command = connection.Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(row(reader));
        }

        return rows;
    }

    public static DateTimeOffset Time(this SqliteDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static DateTimeOffset? TimeOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.Time(ordinal);

    public static string? StringOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
