using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OciCache.Storage.Postgres;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>The PostgreSQL metadata database's migrations, on the shared server with a fresh database per test.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresDatabaseTests(ScaleOutBackends backends)
{
    [Fact]
    public async Task MigrateAsync_TwoReplicasAtOnce_BothSucceedAndEachMigrationRanOnce()
    {
        var connectionString = await backends.Postgres.CreateDatabaseAsync();
        await using var first = new PostgresDatabase(connectionString, NullLogger<PostgresDatabase>.Instance);
        await using var second = new PostgresDatabase(connectionString, NullLogger<PostgresDatabase>.Instance);

        var applied = await Task.WhenAll(
            Task.Run(() => first.MigrateAsync(CancellationToken.None)),
            Task.Run(() => second.MigrateAsync(CancellationToken.None)));

        // One took the lock and applied everything; the other waited, then found it done.
        Assert.Equal([0, PostgresMigrations.All.Count], applied.Order());
        Assert.Equal(PostgresMigrations.All.Select(m => m.Version), await VersionsAsync(connectionString));
    }

    [Fact]
    public async Task MigrateAsync_Again_AppliesNothingAndReleasesTheLock()
    {
        var connectionString = await backends.Postgres.CreateDatabaseAsync();
        await using var database = new PostgresDatabase(connectionString, NullLogger<PostgresDatabase>.Instance);

        Assert.Equal(PostgresMigrations.All.Count, await database.MigrateAsync(CancellationToken.None));
        Assert.Equal(0, await database.MigrateAsync(CancellationToken.None));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", PostgresDatabase.MigrationLockKey);
        Assert.Equal(true, await command.ExecuteScalarAsync());
    }

    private static async Task<List<int>> VersionsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }
}
