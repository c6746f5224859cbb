namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IClusterSecrets"/> in PostgreSQL (table <c>cluster_secrets</c>, migration 4). The first replica's
/// value wins: a read, and when it finds nothing an <c>INSERT … ON CONFLICT DO NOTHING</c> and a read again,
/// so replicas starting at once all read the row that was inserted first. Anyone who can read the database
/// can read the secrets: protect it (and its backups) as the key files of a single node.
/// </summary>
internal sealed class PostgresClusterSecrets(PostgresDatabase database) : IClusterSecrets
{
    public async Task<byte[]> GetOrCreateAsync(string name, Func<byte[]> created, CancellationToken cancellationToken)
    {
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
