using System.Security.Cryptography;
using System.Text;

namespace OciCache.Storage.Postgres;

/// <summary>
/// <see cref="IPendingSignInStore"/> in PostgreSQL (table <c>pending_signins</c>, migration 5), so the
/// issuer's callback may land on any replica. A row is taken with <c>DELETE … RETURNING</c>: of two replicas
/// that take the same state at once, one gets it. Rows are keyed by the SHA-256 of the state; the nonce
/// and the PKCE verifier are kept as they are (the token request needs the verifier). An add and its bounds
/// are one transaction under an advisory lock, so replicas starting sign-ins together keep the bounds exact;
/// <c>seq</c> orders a source's rows oldest first whatever their times.
/// </summary>
internal sealed class PostgresPendingSignInStore(PostgresDatabase database) : IPendingSignInStore
{
    /// <summary>The transaction-level advisory lock of an add ("OCICsign").</summary>
    internal const long AddLockKey = 0x4F43_4943_7369_676E;

    public Task AddAsync(PendingSignInRecord signIn, PendingSignInBounds bounds, CancellationToken cancellationToken)
    {
        var full = ("overall", (object?)bounds.Overall);
        return database.ExecuteInTransactionAsync(
        [
            ("SELECT pg_advisory_xact_lock(@key)", [("key", AddLockKey)]),
            ("DELETE FROM pending_signins WHERE state_hash = @hash", [("hash", HashOf(signIn.State))]),
            // The source's own oldest go first: it keeps its newest PerSource - 1, and the new one.
            ("DELETE FROM pending_signins WHERE state_hash IN (SELECT state_hash FROM pending_signins WHERE source = @source ORDER BY seq DESC OFFSET @keep)",
                [("source", signIn.Source), ("keep", Math.Max(0, bounds.PerSource - 1))]),
            ("DELETE FROM pending_signins WHERE started_at <= @expired AND (SELECT count(*) FROM pending_signins) >= @overall",
                [("expired", PostgresDatabase.ToMillisecond(bounds.ExpiredBy)), full]),
            ("""
             DELETE FROM pending_signins WHERE seq = (
                 SELECT seq FROM pending_signins WHERE source = (
                     SELECT source FROM pending_signins GROUP BY source ORDER BY count(*) DESC, min(seq) LIMIT 1)
                 ORDER BY seq LIMIT 1)
             AND (SELECT count(*) FROM pending_signins) >= @overall
             """, [full]),
            ("""
             INSERT INTO pending_signins (state_hash, source, nonce, code_verifier, return_url, started_at)
             VALUES (@hash, @source, @nonce, @verifier, @returnUrl, @started)
             """,
                [("hash", HashOf(signIn.State)), ("source", signIn.Source), ("nonce", signIn.Nonce), ("verifier", signIn.CodeVerifier),
                    ("returnUrl", signIn.ReturnUrl), ("started", PostgresDatabase.ToMillisecond(signIn.StartedAt))]),
        ], cancellationToken);
    }

    public async Task<PendingSignInRecord?> TakeAsync(string state, CancellationToken cancellationToken) =>
        (await database.ReadAllAsync(
            r => new PendingSignInRecord(state, r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.GetString(4)),
            cancellationToken,
            "DELETE FROM pending_signins WHERE state_hash = @hash RETURNING nonce, code_verifier, return_url, started_at, source",
            ("hash", HashOf(state))))
        .SingleOrDefault();

    private static byte[] HashOf(string state) => SHA256.HashData(Encoding.UTF8.GetBytes(state));
}
