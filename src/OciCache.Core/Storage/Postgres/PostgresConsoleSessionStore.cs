using Npgsql;

namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IConsoleSessionStore"/> in PostgreSQL (table <c>console_sessions</c>, migration 5), shared by
/// every replica: a session started on one is found, touched and ended on any other. Rows are keyed by the
/// SHA-256 of the session's id, so the table signs nobody in; the CSRF token is kept as it is, since pages
/// render it, and it is worth nothing without the session's cookie. Times to the millisecond; a touch only
/// moves times forward (<c>GREATEST</c>), so replicas racing on one session never move it back.
/// </summary>
internal sealed class PostgresConsoleSessionStore(PostgresDatabase database) : IConsoleSessionStore
{
    private const string Columns = "id_hash, user_name, groups, credential, from_issuer, csrf_token, signed_in_at, last_seen, checked_at";

    public Task AddAsync(ConsoleSessionRecord session, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            $"INSERT INTO console_sessions ({Columns}) VALUES (@hash, @user, @groups, @credential, @issuer, @csrf, @signedIn, @seen, @checked)",
            cancellationToken,
            ("hash", session.IdHash), ("user", session.User), ("groups", session.Groups.ToArray()), ("credential", session.Credential),
            ("issuer", session.FromIssuer), ("csrf", session.CsrfToken), ("signedIn", PostgresDatabase.ToMillisecond(session.SignedInAt)),
            ("seen", PostgresDatabase.ToMillisecond(session.LastSeen)), ("checked", PostgresDatabase.ToMillisecond(session.CheckedAt)));

    public async Task<ConsoleSessionRecord?> FindAsync(byte[] idHash, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(ToRecord, cancellationToken, $"SELECT {Columns} FROM console_sessions WHERE id_hash = @hash", ("hash", idHash)))
        .SingleOrDefault();

    public async Task<bool> TouchAsync(byte[] idHash, DateTimeOffset lastSeen, DateTimeOffset checkedAt, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            "UPDATE console_sessions SET last_seen = GREATEST(last_seen, @seen), checked_at = GREATEST(checked_at, @checked) WHERE id_hash = @hash",
            cancellationToken,
            ("hash", idHash), ("seen", PostgresDatabase.ToMillisecond(lastSeen)), ("checked", PostgresDatabase.ToMillisecond(checkedAt))) == 1;

    public async Task<bool> RemoveAsync(byte[] idHash, CancellationToken cancellationToken) =>
        await database.ExecuteAsync("DELETE FROM console_sessions WHERE id_hash = @hash", cancellationToken, ("hash", idHash)) == 1;

    public Task<int> RemoveAllOfAsync(string user, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM console_sessions WHERE user_name = @user", cancellationToken, ("user", user));

    public async Task<int> CountAsync(CancellationToken cancellationToken) =>
        (int)(await database.ReadAllAsync(r => r.GetInt64(0), cancellationToken, "SELECT count(*) FROM console_sessions"))[0];

    public Task<int> RemoveExpiredAsync(DateTimeOffset lastSeenBy, DateTimeOffset signedInBy, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            "DELETE FROM console_sessions WHERE last_seen <= @seen OR signed_in_at <= @signedIn", cancellationToken,
            ("seen", PostgresDatabase.ToMillisecond(lastSeenBy)), ("signedIn", PostgresDatabase.ToMillisecond(signedInBy)));

    public Task<int> RemoveLeastRecentAsync(int count, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            "DELETE FROM console_sessions WHERE id_hash IN (SELECT id_hash FROM console_sessions ORDER BY last_seen, id_hash LIMIT @count)",
            cancellationToken, ("count", count));

    private static ConsoleSessionRecord ToRecord(NpgsqlDataReader reader) => new(
        reader.GetFieldValue<byte[]>(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetBoolean(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7),
        reader.GetFieldValue<DateTimeOffset>(8));
}
