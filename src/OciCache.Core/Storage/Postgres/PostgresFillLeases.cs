using OciCache.Oci;

namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IFillLeases"/> in PostgreSQL (table <c>fill_leases</c>, migration 3): one row per digest being
/// fetched. Acquiring is one statement: insert, or take over a row whose lease ran out (or is already this
/// holder's), and return the row as it stands either way, so a refusal names the holder. Times come from
/// the injected <see cref="TimeProvider"/>, not the server's clock: every replica compares with its own
/// clock, so clocks must agree to well within the lease timeout (NTP does).
/// </summary>
internal sealed class PostgresFillLeases(PostgresDatabase database, FillLeaseHolder holder, TimeProvider time) : IFillLeases
{
    // When the upsert's WHERE refuses, "taken" is empty and the row standing is read instead. That read uses
    // the statement's snapshot: a row another replica inserted (or deleted) while this statement waited on
    // it may not be in it, and then nothing comes back; the next statement sees it, so Acquire asks again.
    private const string AcquireSql = """
        WITH taken AS (
            INSERT INTO fill_leases AS l (digest, holder, holder_url, expires_at) VALUES (@digest, @holder, @url, @expires)
            ON CONFLICT (digest) DO UPDATE SET holder = excluded.holder, holder_url = excluded.holder_url, expires_at = excluded.expires_at
            WHERE l.expires_at <= @now OR l.holder = excluded.holder
            RETURNING holder, holder_url, expires_at)
        SELECT holder, holder_url, expires_at FROM taken
        UNION ALL
        SELECT holder, holder_url, expires_at FROM fill_leases WHERE digest = @digest AND NOT EXISTS (SELECT 1 FROM taken)
        """;

    public async Task<FillLeaseClaim> AcquireAsync(Digest digest, CancellationToken cancellationToken)
    {
        var now = PostgresDatabase.ToMillisecond(time.GetUtcNow());
        var rows = await database.ReadAllAsync(
            r => (Holder: r.GetString(0), Url: r.GetString(1), ExpiresAt: r.GetFieldValue<DateTimeOffset>(2)),
            cancellationToken, AcquireSql,
            ("digest", digest.ToString()), ("holder", holder.Id), ("url", holder.Url), ("expires", now + holder.LeaseTimeout), ("now", now));
        if (rows.Count == 0)
        {
            // The standing row changed under this statement's snapshot (see above): ask again.
            return await AcquireAsync(digest, cancellationToken);
        }

        var row = rows[0];
        return new FillLeaseClaim(row.Holder == holder.Id, row.Url, row.ExpiresAt);
    }

    public async Task<bool> RenewAsync(Digest digest, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            "UPDATE fill_leases SET expires_at = @expires WHERE digest = @digest AND holder = @holder",
            cancellationToken, ("digest", digest.ToString()), ("holder", holder.Id),
            ("expires", PostgresDatabase.ToMillisecond(time.GetUtcNow()) + holder.LeaseTimeout)) == 1;

    public Task ReleaseAsync(Digest digest, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM fill_leases WHERE digest = @digest AND holder = @holder",
            cancellationToken, ("digest", digest.ToString()), ("holder", holder.Id));
}
