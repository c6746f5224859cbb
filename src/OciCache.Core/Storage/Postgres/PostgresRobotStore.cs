using Npgsql;

namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IRobotStore"/> in PostgreSQL (table <c>robots</c>, migration 1): scopes as <c>text[]</c>, times as
/// <c>timestamptz</c> to the millisecond. "Taken" is decided by the primary key in one statement, so two
/// replicas adding the same name at once get one true and one false.
/// </summary>
internal sealed class PostgresRobotStore(PostgresDatabase database) : IRobotStore
{
    private const string Columns = "name, secret_hash, scopes, created_at, expires_at";

    public async Task<bool> TryAddAsync(RobotRecord robot, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            $"INSERT INTO robots ({Columns}) VALUES (@name, @hash, @scopes, @created, @expires) ON CONFLICT (name) DO NOTHING",
            cancellationToken,
            ("name", robot.Name), ("hash", robot.SecretHash), ("scopes", robot.Scopes.ToArray()),
            ("created", PostgresDatabase.ToMillisecond(robot.CreatedAt)),
            ("expires", robot.ExpiresAt is { } expires ? PostgresDatabase.ToMillisecond(expires) : null)) == 1;

    public async Task<RobotRecord?> FindAsync(string name, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(ToRecord, cancellationToken, $"SELECT {Columns} FROM robots WHERE name = @name", ("name", name)))
        .SingleOrDefault();

    public Task<IReadOnlyList<RobotRecord>> ListAsync(CancellationToken cancellationToken) =>
        database.ReadAllAsync(ToRecord, cancellationToken, $"SELECT {Columns} FROM robots ORDER BY name");

    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken) =>
        await database.ExecuteAsync("DELETE FROM robots WHERE name = @name", cancellationToken, ("name", name)) == 1;

    private static RobotRecord ToRecord(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetFieldValue<byte[]>(1),
        reader.GetFieldValue<string[]>(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
}
