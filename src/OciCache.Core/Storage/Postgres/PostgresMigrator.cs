using Microsoft.Extensions.Hosting;

namespace OciCache.Storage.Postgres;

/// <summary>
/// Brings the shared database's schema up to date before anything is served: the first hosted service when
/// metadata is in PostgreSQL. Replicas starting together wait on the migration lock, and the later ones find
/// every version applied (<see cref="PostgresDatabase.MigrateAsync"/>).
/// </summary>
internal sealed class PostgresMigrator(PostgresDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => database.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
