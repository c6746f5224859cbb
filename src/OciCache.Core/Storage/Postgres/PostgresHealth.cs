namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IMetadataHealth"/> of the shared PostgreSQL database: ready while it answers. Writes are not
/// refused up front: one that meets an unreachable database fails as <c>StorageUnavailable</c> (503 with
/// <c>Retry-After</c>) and writes nothing, and the next one after the database is back succeeds.
/// </summary>
internal sealed class PostgresHealth(PostgresDatabase database) : IMetadataHealth
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public string? WriteRefusal => null;

    public bool MayCollectUnknownBlobs => true;

    public async ValueTask<string?> ProbeAsync(CancellationToken cancellationToken) =>
        await database.ProbeAsync(ProbeTimeout, cancellationToken) is { } failure
            ? $"the metadata database (PostgreSQL) cannot be reached: {failure}"
            : null;

    /// <summary>PostgreSQL enforces the schema's keys itself; what is left to find is whether it answers.</summary>
    public async Task<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken cancellationToken) =>
        await ProbeAsync(cancellationToken) is { } failure ? [failure] : [];
}
