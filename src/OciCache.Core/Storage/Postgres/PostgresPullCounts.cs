using OciCache.Oci;

namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IPullCounts"/> in PostgreSQL (table <c>pulls</c>, migration 1), times as <c>timestamptz</c> to the
/// millisecond. A batch is one transaction of upserts, one statement per count (so a batch may name the same
/// repository and digest twice); replicas adding to one row at once are serialised by its row lock.
/// </summary>
internal sealed class PostgresPullCounts(PostgresDatabase database) : IPullCounts
{
    private const string Upsert =
        "INSERT INTO pulls (repository, digest, count, last_pulled_at) VALUES (@r, @d, @c, @t) " +
        "ON CONFLICT (repository, digest) DO UPDATE SET count = pulls.count + excluded.count, " +
        "last_pulled_at = greatest(pulls.last_pulled_at, excluded.last_pulled_at)";

    public Task AddAsync(IReadOnlyCollection<PullCount> counts, CancellationToken cancellationToken) =>
        counts.Count == 0 ? Task.CompletedTask : database.ExecuteInTransactionAsync(
            counts.Select(pull => (Upsert, new (string, object?)[]
            {
                ("r", pull.Repository), ("d", pull.Digest.ToString()), ("c", pull.Count), ("t", PostgresDatabase.ToMillisecond(pull.LastPulledAt)),
            })),
            cancellationToken);

    public async Task<PullCount?> FindAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(r => new PullCount(repository, digest, r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1)), cancellationToken,
            "SELECT count, last_pulled_at FROM pulls WHERE repository = @r AND digest = @d", ("r", repository), ("d", digest.ToString())))
        .SingleOrDefault();
}
