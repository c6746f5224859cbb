using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OciCache.Storage;

/// <summary>
/// <see cref="IRobotStore"/> in the metadata database (table <c>robots</c>, <see cref="Schema.Version4"/>):
/// scopes as a JSON array of texts, times in Unix milliseconds. Writes go through the database's one writer
/// thread; reads open their own connection.
/// </summary>
internal sealed class SqliteRobotStore(SqliteDatabase database) : IRobotStore
{
    private const string Columns = "name, secret_hash, scopes, created_at, expires_at";

    public async Task<bool> TryAddAsync(RobotRecord robot, CancellationToken cancellationToken) =>
        await database.ExecuteOnWriterAsync(
            $"INSERT INTO robots ({Columns}) VALUES ($name, $hash, $scopes, $created, $expires) ON CONFLICT (name) DO NOTHING",
            ("$name", robot.Name), ("$hash", robot.SecretHash),
            ("$scopes", JsonSerializer.Serialize(robot.Scopes.ToArray(), StringArrayContext.Default.StringArray)),
            ("$created", robot.CreatedAt.ToUnixTimeMilliseconds()), ("$expires", robot.ExpiresAt?.ToUnixTimeMilliseconds())) == 1;

    public async Task<RobotRecord?> FindAsync(string name, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(ToRecord, cancellationToken, $"SELECT {Columns} FROM robots WHERE name = $name", ("$name", name)))
        .SingleOrDefault();

    public Task<IReadOnlyList<RobotRecord>> ListAsync(CancellationToken cancellationToken) =>
        database.ReadAllAsync(ToRecord, cancellationToken, $"SELECT {Columns} FROM robots ORDER BY name");

    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken) =>
        await database.ExecuteOnWriterAsync("DELETE FROM robots WHERE name = $name", ("$name", name)) == 1;

    private static RobotRecord ToRecord(SqliteDataReader reader) => new(
        reader.GetString(0),
        (byte[])reader.GetValue(1),
        JsonSerializer.Deserialize(reader.GetString(2), StringArrayContext.Default.StringArray) ?? [],
        reader.Time(3),
        reader.TimeOrNull(4));
}
