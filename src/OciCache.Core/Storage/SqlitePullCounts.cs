using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// <see cref="IPullCounts"/> in the metadata database (table <c>pulls</c>, <see cref="Schema.Version5"/>), times
/// in Unix milliseconds. A batch is one transaction on the database's one writer thread.
/// </summary>
internal sealed class SqlitePullCounts(SqliteDatabase database) : IPullCounts
{
    public Task AddAsync(IReadOnlyCollection<PullCount> counts, CancellationToken cancellationToken) =>
        counts.Count == 0 ? Task.CompletedTask : database.Writer.RunAsync(() =>
        {
            using var connection = database.Open();
            using var transaction = connection.BeginTransaction();
            foreach (var pull in counts)
            {
                using var command = connection.Command(
                    "INSERT INTO pulls (repository, digest, count, last_pulled_at) VALUES ($r, $d, $c, $t) " +
                    "ON CONFLICT (repository, digest) DO UPDATE SET count = count + excluded.count, " +
                    "last_pulled_at = max(last_pulled_at, excluded.last_pulled_at)",
                    ("$r", pull.Repository), ("$d", pull.Digest.ToString()), ("$c", pull.Count), ("$t", pull.LastPulledAt.ToUnixTimeMilliseconds()));
                command.Transaction = transaction;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            return counts.Count;
        });

    public async Task<PullCount?> FindAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(r => new PullCount(repository, digest, r.GetInt64(0), r.Time(1)), cancellationToken,
            "SELECT count, last_pulled_at FROM pulls WHERE repository = $r AND digest = $d", ("$r", repository), ("$d", digest.ToString())))
        .SingleOrDefault();
}
