namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IClusterSecrets"/> in PostgreSQL (table <c>cluster_secrets</c>, migration 4). The first replica's
/// value wins: a read, and when it finds nothing an <c>INSERT … ON CONFLICT DO NOTHING</c> and a read again,
/// so replicas starting at once all read the row that was inserted first. Anyone who can read the database
/// can read the secrets: protect it (and its backups) as the key files of a single node.
/// </summary>
/// <remarks>
/// The token key is read while the host is built (access control exists before the first request), which is
/// before <see cref="PostgresMigrator"/> runs as the first hosted service; so this store brings the schema up
/// to date itself first (the same migration, under the same lock: it applies nothing when it is current).
/// </remarks>
internal sealed class PostgresClusterSecrets(PostgresDatabase database) : IClusterSecrets
{
    public async Task<byte[]> GetOrCreateAsync(string name, Func<byte[]> created, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        if (await FindAsync(name, cancellationToken) is { } stored)
        {
            return stored;
        }

        await database.ExecuteAsync("INSERT INTO cluster_secrets (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING",
            cancellationToken, ("name", name), ("value", created()));
        return await FindAsync(name, cancellationToken)
            ?? throw new InvalidOperationException($"The cluster secret {name} was stored but cannot be read back.");
    }

    private async Task<byte[]?> FindAsync(string name, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(r => r.GetFieldValue<byte[]>(0), cancellationToken,
            "SELECT value FROM cluster_secrets WHERE name = @name", ("name", name))).SingleOrDefault();
}
