namespace OciCache.Storage;

/// <summary>
/// <see cref="IPinStore"/> in the metadata database (table <c>pins</c>, <see cref="Schema.Version5"/>), times in
/// Unix milliseconds. Writes go through the database's one writer thread; reads open their own connection.
/// </summary>
internal sealed class SqlitePinStore(SqliteDatabase database) : IPinStore
{
    public Task<IReadOnlyList<RuntimePin>> ListAsync(CancellationToken cancellationToken) =>
        database.ReadAllAsync(r => new RuntimePin(r.GetString(0), r.Time(1), r.StringOrNull(2)), cancellationToken,
            "SELECT pattern, created_at, created_by FROM pins ORDER BY pattern");

    public async Task<bool> AddAsync(RuntimePin pin, CancellationToken cancellationToken) =>
        await database.ExecuteOnWriterAsync(
            "INSERT INTO pins (pattern, created_at, created_by) VALUES ($p, $at, $who) ON CONFLICT (pattern) DO NOTHING",
            ("$p", pin.Pattern), ("$at", pin.CreatedAt.ToUnixTimeMilliseconds()), ("$who", pin.CreatedBy)) == 1;

    public async Task<bool> RemoveAsync(string pattern, CancellationToken cancellationToken) =>
        await database.ExecuteOnWriterAsync("DELETE FROM pins WHERE pattern = $p", ("$p", pattern)) == 1;
}
