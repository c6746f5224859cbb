namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="ISignInFailureStore"/> in PostgreSQL (table <c>signin_failures</c>, migration 5): one row per
/// failure with its time, so the limiter of every replica counts the failures of all. Each add removes the
/// rows that fell out of the window, so the table holds at most a minute of failures, of at most
/// <c>maxSources</c> sources.
/// </summary>
internal sealed class PostgresSignInFailureStore(PostgresDatabase database) : ISignInFailureStore
{
    public async Task<SignInFailures> FindAsync(string source, DateTimeOffset since, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(
            r => r.IsDBNull(1) ? default : new SignInFailures((int)r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1)),
            cancellationToken,
            "SELECT count(*), min(failed_at) FROM signin_failures WHERE source = @source AND failed_at > @since",
            ("source", source), ("since", PostgresDatabase.ToMillisecond(since))))[0];

    public Task AddAsync(string source, DateTimeOffset at, DateTimeOffset since, int maxSources, CancellationToken cancellationToken) =>
        database.ExecuteInTransactionAsync(
        [
            ("DELETE FROM signin_failures WHERE failed_at <= @since", [("since", PostgresDatabase.ToMillisecond(since))]),
            ("""
             DELETE FROM signin_failures
             WHERE NOT EXISTS (SELECT 1 FROM signin_failures WHERE source = @source)
               AND (SELECT count(DISTINCT source) FROM signin_failures) >= @max
             """, [("source", source), ("max", maxSources)]),
            ("INSERT INTO signin_failures (source, failed_at) VALUES (@source, @at)", [("source", source), ("at", PostgresDatabase.ToMillisecond(at))]),
        ], cancellationToken);
}
