using Microsoft.Data.Sqlite;
using OciCache.Observability;

namespace OciCache.Storage;

/// <summary>
/// The traffic history the console charts (table <c>traffic_history</c>, schema version 5): per upstream,
/// minute buckets of the last 24 hours and hour buckets of the last 7 days of hits, misses, bytes served
/// from the store and bytes fetched upstream. <see cref="Record"/> adds what <see cref="CacheMetrics"/>
/// counted since the last call (the counters only grow; this process's first call counts from its start)
/// to the buckets of the injected clock's now, through the database's one writer thread, and drops
/// buckets past their window. A record that fails is retried with the next one: its counts are kept.
/// </summary>
public sealed class TrafficHistory(SqliteDatabase database, CacheMetrics metrics, TimeProvider time)
{
    public static readonly TimeSpan MinuteWindow = TimeSpan.FromHours(24);
    public static readonly TimeSpan HourWindow = TimeSpan.FromDays(7);

    private readonly SemaphoreSlim _gate = new(1, 1); // one record at a time: two from one base would count it twice
    private Dictionary<string, Totals> _recorded = new(StringComparer.Ordinal);

    /// <summary>Writes the counts since the last record into the current minute and hour buckets; returns the upstreams written.</summary>
    public async Task<int> RecordAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return await RecordLockedAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> RecordLockedAsync()
    {
        var now = ReadTotals();
        var deltas = now.Select(n => (Upstream: n.Key, Delta: n.Value - _recorded.GetValueOrDefault(n.Key))).Where(d => !d.Delta.IsZero).ToList();

        var instant = time.GetUtcNow();
        await database.Writer.RunAsync(() =>
        {
            using var connection = database.Open();
            using var transaction = connection.BeginTransaction();
            foreach (var (upstream, delta) in deltas)
            {
                Add(connection, transaction, TrafficResolution.Minute, instant, upstream, delta);
                Add(connection, transaction, TrafficResolution.Hour, instant, upstream, delta);
            }

            Prune(connection, transaction, TrafficResolution.Minute, instant - MinuteWindow);
            Prune(connection, transaction, TrafficResolution.Hour, instant - HourWindow);
            transaction.Commit();
            return 0;
        });
        _recorded = now;
        return deltas.Count;
    }

    /// <summary>The buckets of <paramref name="resolution"/> within its window, oldest first.</summary>
    public IReadOnlyList<TrafficBucket> Read(TrafficResolution resolution)
    {
        var since = time.GetUtcNow() - (resolution == TrafficResolution.Minute ? MinuteWindow : HourWindow);
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT bucket_start, upstream, hits, misses, served_bytes, fetched_bytes FROM traffic_history " +
                              "WHERE resolution = $resolution AND bucket_start >= $since ORDER BY bucket_start, upstream";
        command.Parameters.AddWithValue("$resolution", (int)resolution);
        command.Parameters.AddWithValue("$since", BucketStart(resolution, since).ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        var buckets = new List<TrafficBucket>();
        while (reader.Read())
        {
            buckets.Add(new TrafficBucket(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetString(1),
                reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
        }

        return buckets;
    }

    /// <summary>
    /// <see cref="Read"/> with what was counted since the last record added to the current bucket: the history up
    /// to now, for the console, without writing anything (a page view is no write, and works on a read-only volume).
    /// </summary>
    public async Task<IReadOnlyList<TrafficBucket>> ReadLiveAsync(TrafficResolution resolution)
    {
        await _gate.WaitAsync(); // not between a record's write and its new base: that would count it twice
        try
        {
            var buckets = Read(resolution).ToList();
            var start = BucketStart(resolution, time.GetUtcNow());
            foreach (var (upstream, total) in ReadTotals())
            {
                var delta = total - _recorded.GetValueOrDefault(upstream);
                if (delta.IsZero)
                {
                    continue;
                }

                var at = buckets.FindIndex(b => b.Start == start && b.Upstream == upstream);
                var bucket = at >= 0 ? buckets[at] : new TrafficBucket(start, upstream, 0, 0, 0, 0);
                bucket = bucket with
                {
                    Hits = bucket.Hits + delta.Hits,
                    Misses = bucket.Misses + delta.Misses,
                    ServedBytes = bucket.ServedBytes + delta.Served,
                    FetchedBytes = bucket.FetchedBytes + delta.Fetched,
                };
                if (at >= 0)
                {
                    buckets[at] = bucket;
                }
                else
                {
                    buckets.Add(bucket);
                }
            }

            return [.. buckets.OrderBy(b => b.Start).ThenBy(b => b.Upstream, StringComparer.Ordinal)];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The start of the bucket that holds <paramref name="instant"/>.</summary>
    public static DateTimeOffset BucketStart(TrafficResolution resolution, DateTimeOffset instant)
    {
        var length = (long)resolution * 1000;
        var ms = instant.ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(ms - ((ms % length) + length) % length);
    }

    private Dictionary<string, Totals> ReadTotals()
    {
        var totals = new Dictionary<string, Totals>(StringComparer.Ordinal);
        void Tally(TallyCounter counter, Func<Totals, long, Totals> add)
        {
            var upstream = counter.LabelNames.ToList().IndexOf("upstream");
            foreach (var (labels, count) in counter.Snapshot())
            {
                var name = labels[upstream];
                if (name.Length > 0)
                {
                    totals[name] = add(totals.GetValueOrDefault(name), count);
                }
            }
        }

        Tally(metrics.Hits, (t, n) => t with { Hits = t.Hits + n });
        Tally(metrics.Misses, (t, n) => t with { Misses = t.Misses + n });
        Tally(metrics.ServedBytes, (t, n) => t with { Served = t.Served + n });
        Tally(metrics.UpstreamBytes, (t, n) => t with { Fetched = t.Fetched + n });
        return totals;
    }

    private static void Add(SqliteConnection connection, SqliteTransaction transaction, TrafficResolution resolution, DateTimeOffset instant, string upstream, Totals delta)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO traffic_history (resolution, bucket_start, upstream, hits, misses, served_bytes, fetched_bytes)
            VALUES ($resolution, $start, $upstream, $hits, $misses, $served, $fetched)
            ON CONFLICT (resolution, bucket_start, upstream) DO UPDATE SET
                hits = hits + excluded.hits, misses = misses + excluded.misses,
                served_bytes = served_bytes + excluded.served_bytes, fetched_bytes = fetched_bytes + excluded.fetched_bytes
            """;
        command.Parameters.AddWithValue("$resolution", (int)resolution);
        command.Parameters.AddWithValue("$start", BucketStart(resolution, instant).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$upstream", upstream);
        command.Parameters.AddWithValue("$hits", delta.Hits);
        command.Parameters.AddWithValue("$misses", delta.Misses);
        command.Parameters.AddWithValue("$served", delta.Served);
        command.Parameters.AddWithValue("$fetched", delta.Fetched);
        command.ExecuteNonQuery();
    }

    private static void Prune(SqliteConnection connection, SqliteTransaction transaction, TrafficResolution resolution, DateTimeOffset before)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM traffic_history WHERE resolution = $resolution AND bucket_start < $before";
        command.Parameters.AddWithValue("$resolution", (int)resolution);
        command.Parameters.AddWithValue("$before", BucketStart(resolution, before).ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    private readonly record struct Totals(long Hits, long Misses, long Served, long Fetched)
    {
        public bool IsZero => Hits == 0 && Misses == 0 && Served == 0 && Fetched == 0;

        public static Totals operator -(Totals a, Totals b) =>
            new(a.Hits - b.Hits, a.Misses - b.Misses, a.Served - b.Served, a.Fetched - b.Fetched);
    }
}
