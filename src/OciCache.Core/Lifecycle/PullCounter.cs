using OciCache.Oci;
using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Counts manifest GETs (pulls) per stored repository and digest in memory; <see cref="FlushAsync"/> adds
/// them to the table <c>pulls</c> in one write (once a minute, and at stop), so a pull costs no write.
/// </summary>
public sealed class PullCounter(SqliteDatabase database, TimeProvider time)
{
    private readonly object _gate = new(); // a count lands in the map before or after a flush takes it, never in between
    private Dictionary<(string Repository, string Digest), Pending> _pending = [];

    public void Count(string repository, Digest digest)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (!_pending.TryGetValue((repository, digest.ToString()), out var entry))
            {
                _pending[(repository, digest.ToString())] = entry = new Pending();
            }

            entry.Count++;
            entry.Last = Math.Max(entry.Last, now);
        }
    }

    /// <summary>Writes what was counted since the last flush; returns the rows written.</summary>
    public Task<int> FlushAsync()
    {
        Dictionary<(string Repository, string Digest), Pending> taken;
        lock (_gate)
        {
            taken = _pending;
            _pending = [];
        }

        if (taken.Count == 0)
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
                command.Parameters.AddWithValue("$c", pending.Count);
                command.Parameters.AddWithValue("$t", pending.Last);
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
