namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IPinStore"/> in PostgreSQL (table <c>pins</c>, migration 1), times as <c>timestamptz</c> to the
/// millisecond. A pattern already there keeps its row (<c>ON CONFLICT DO NOTHING</c>).
/// </summary>
internal sealed class PostgresPinStore(PostgresDatabase database) : IPinStore
{
    public Task<IReadOnlyList<RuntimePin>> ListAsync(CancellationToken cancellationToken) =>
        database.ReadAllAsync(
            r => new RuntimePin(r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetString(2)),
            cancellationToken, "SELECT pattern, created_at, created_by FROM pins ORDER BY pattern");

    public async Task<bool> AddAsync(RuntimePin pin, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            "INSERT INTO pins (pattern, created_at, created_by) VALUES (@p, @at, @who) ON CONFLICT (pattern) DO NOTHING",
            cancellationToken, ("p", pin.Pattern), ("at", PostgresDatabase.ToMillisecond(pin.CreatedAt)), ("who", pin.CreatedBy)) == 1;

    public async Task<bool> RemoveAsync(string pattern, CancellationToken cancellationToken) =>
        await database.ExecuteAsync("DELETE FROM pins WHERE pattern = @p", cancellationToken, ("p", pattern)) == 1;
}
