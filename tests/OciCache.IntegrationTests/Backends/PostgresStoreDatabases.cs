using Microsoft.Extensions.Logging.Abstractions;
using OciCache.Storage.Postgres;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Backends;

/// <summary>
/// One fresh, migrated PostgreSQL database per contract test (the suites make a new test-class instance per
/// test), opened again by each <c>Reopen</c> as a restart would; every opened <see cref="PostgresDatabase"/>
/// is disposed with the test. The suites call <c>Create</c> from their constructor, which cannot await:
/// the async work runs on the thread pool and is waited on there, away from xUnit's synchronisation context.
/// </summary>
internal sealed class PostgresStoreDatabases(PostgresServer server) : IDisposable
{
    private readonly List<PostgresDatabase> _opened = [];
    private string? _connectionString;

    /// <summary>The test's database, created at the first call, opened and migrated on every call.</summary>
    public PostgresDatabase Open() => Task.Run(async () =>
    {
        _connectionString ??= await server.CreateDatabaseAsync();
        var database = new PostgresDatabase(_connectionString, NullLogger<PostgresDatabase>.Instance);
        _opened.Add(database);
        await database.MigrateAsync(CancellationToken.None);
        return database;
    }).GetAwaiter().GetResult();

    public void Dispose() => _opened.ForEach(d => d.Dispose());
}
