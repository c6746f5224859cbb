using System.Collections.Concurrent;
using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Counts manifest GETs (pulls) per stored repository and digest in memory; <see cref="FlushAsync"/> adds
/// them to the table <c>pulls</c> in one write (once a minute, and at stop), so a pull costs no write.
/// </summary>
public sealed class PullCounter(SqliteDatabase database, TimeProvider time)
{
    private ConcurrentDictionary<(string Repository, string Digest), Pending> _pending = new();

    public void Count(string repository, Digest digest)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var entry = _pending.GetOrAdd((repository, digest.ToString()), static _ => new Pending());
        Interlocked.Increment(ref entry.Count);
        Interlocked.Exchange(ref entry.Last, now);
    }

    /// <summary>Writes what was counted since the last flush; returns the rows written.</summary>
    public Task<int> FlushAsync()
    {
        var taken = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<(string, string), Pending>());
        if (taken.IsEmpty)
        {
            return Task.FromResult(0);
        }

        return database.Writer.RunAsync(() =>
        {
            using var connection = database.Open();
            using var transaction = connection.BeginTransaction();
            foreach (var ((repository, digest), pending) in taken)
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "INSERT INTO pulls (repository, digest, count, last_pulled_at) VALUES ($r, $d, $c, $t) " +
                                      "ON CONFLICT (repository, digest) DO UPDATE SET count = count + excluded.count, " +
                                      "last_pulled_at = max(last_pulled_at, excluded.last_pulled_at)";
                command.Parameters.AddWithValue("$r", repository);
                command.Parameters.AddWithValue("$d", digest);
                command.Parameters.AddWithValue("$c", Interlocked.Read(ref pending.Count));
                command.Parameters.AddWithValue("$t", Interlocked.Read(ref pending.Last));
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            return taken.Count;
        });
    }

    private sealed class Pending
    {
        public long Count;
        public long Last;
    }
}
