using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Pins added at runtime (the console, <c>/api/pins</c>), kept in the table <c>pins</c> so they survive
/// restarts, beside the configured <c>Storage:Pins</c>. Patterns are those of <see cref="PinPattern"/>.
/// Read on every eviction candidate from memory; written through the database's writer thread.
/// </summary>
public sealed class RuntimePins
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private volatile Snapshot _current;

    public RuntimePins(SqliteDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
        _current = new Snapshot(Load(database));
    }

    public IReadOnlyList<RuntimePin> List() => _current.Pins;

    public bool IsPinned(string repository, IReadOnlyList<string> tags) => _current.Matcher.IsPinned(repository, tags);

    /// <summary>Adds the pattern (again: kept as it was); returns false when it was there.</summary>
    public async Task<bool> AddAsync(string pattern, string? who)
    {
        var at = _time.GetUtcNow();
        var added = await _database.Writer.RunAsync(() =>
        {
            using var connection = _database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO pins (pattern, created_at, created_by) VALUES ($p, $at, $who) ON CONFLICT (pattern) DO NOTHING";
            command.Parameters.AddWithValue("$p", pattern);
            command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$who", (object?)who ?? DBNull.Value);
            return command.ExecuteNonQuery() == 1;
        });
        Reload();
        return added;
    }

    public async Task<bool> RemoveAsync(string pattern)
    {
        var removed = await _database.Writer.RunAsync(() =>
        {
            using var connection = _database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM pins WHERE pattern = $p";
            command.Parameters.AddWithValue("$p", pattern);
            return command.ExecuteNonQuery() == 1;
        });
        Reload();
        return removed;
    }

    /// <summary>A pin <see cref="PinPattern"/> takes, <c>repository[:tag]</c>, of at most 256 characters.</summary>
    public static bool IsValidPattern(string? pattern) =>
        pattern is { Length: > 0 and <= 256 } && PinPattern.TryParse(pattern, out _, out _);

    private void Reload() => _current = new Snapshot(Load(_database));

    private static List<RuntimePin> Load(SqliteDatabase database)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT pattern, created_at, created_by FROM pins ORDER BY pattern";
        using var reader = command.ExecuteReader();
        var pins = new List<RuntimePin>();
        while (reader.Read())
        {
            pins.Add(new RuntimePin(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return pins;
    }

    private sealed class Snapshot(List<RuntimePin> pins)
    {
        public IReadOnlyList<RuntimePin> Pins { get; } = pins;

        public PinMatcher Matcher { get; } = new(pins.Select(p => p.Pattern));
    }
}

public sealed record RuntimePin(string Pattern, DateTimeOffset CreatedAt, string? CreatedBy);
