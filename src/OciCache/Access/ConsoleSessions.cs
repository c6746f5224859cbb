using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using OciCache.Auth;
using OciCache.Storage;

namespace OciCache.Access;

/// <summary>A signed-in person's console session.</summary>
/// <param name="CsrfToken">Put in every form (hidden field <c>_csrf</c>) and sent by scripts as <c>X-CSRF-Token</c>.</param>
internal sealed record ConsoleSession(string Id, Identity Identity, string CsrfToken, DateTimeOffset SignedInAt)
{
    /// <summary>The last request of the session as recorded (idle expiry counts from it; see <see cref="ConsoleSessions.TouchInterval"/>).</summary>
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>When the person was last found to exist with the same secret (<see cref="ConsoleSessions.NeedsCheck"/>).</summary>
    public DateTimeOffset CheckedAt { get; set; }

    /// <summary>Leaves the id (the cookie's value) and the CSRF token out of <c>ToString</c>, should a session ever reach a log.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Identity = {Identity.Name}, SignedInAt = {SignedInAt:O}");
        return true;
    }
}

/// <summary>
/// Console sessions, kept by an <see cref="IConsoleSessionStore"/>: in memory by default (a restart signs
/// everyone out), in PostgreSQL for replicas that share them. The cookie holds only the session's id, 32
/// random bytes, and the store only its SHA-256. The session ends <c>Auth:SessionIdleTimeout</c> after its
/// last request or <c>Auth:SessionLifetime</c> after sign-in, whichever comes first, on the injected clock;
/// sign-out ends it at once, on every replica. At most <see cref="MaxSessions"/> live at a time: past that
/// the least recently used one ends.
/// <para>
/// The last request is written at most once per <see cref="TouchInterval"/>, so a session may end that much
/// before its idle timeout, never after it.
/// The person is looked up again (<see cref="NeedsCheck"/>) on every state-changing request and on any
/// request <see cref="CheckInterval"/> after the last look; <see cref="Auth.AccessControl"/> ends the session
/// when they are gone or their password changed. An admin's removal of a person ends theirs at once (<see cref="EndAllOfAsync"/>).
/// </para>
/// </summary>
internal sealed class ConsoleSessions(IConsoleSessionStore store, TimeProvider time, TimeSpan idleTimeout, TimeSpan lifetime)
{
    public const int MaxSessions = 10_000;

    /// <summary>How long a session's person is trusted without a look, for requests that change nothing.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);

    /// <summary>Sessions of this process alone, in memory.</summary>
    public ConsoleSessions(TimeProvider time, TimeSpan idleTimeout, TimeSpan lifetime)
        : this(new MemoryConsoleSessionStore(), time, idleTimeout, lifetime)
    {
    }

    /// <summary>How stale the recorded last request may be: a minute, or a tenth of a shorter idle timeout.</summary>
    public TimeSpan TouchInterval { get; } = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, idleTimeout.Ticks / 10));

    /// <summary>A new session of a person signed in to the console: a user, never a robot or an API key.</summary>
    public async ValueTask<ConsoleSession> CreateAsync(Identity identity, CancellationToken cancellationToken = default)
    {
        if (identity is not { Kind: IdentityKind.User, ApiKeyId: null })
        {
            throw new ArgumentException("a console session is a person's", nameof(identity));
        }

        var now = time.GetUtcNow();
        if (await store.CountAsync(cancellationToken) >= MaxSessions)
        {
            await store.RemoveExpiredAsync(now - idleTimeout, now - lifetime, cancellationToken);
            var count = await store.CountAsync(cancellationToken);
            if (count >= MaxSessions)
            {
                await store.RemoveLeastRecentAsync(count - MaxSessions + 1, cancellationToken);
            }
        }

        var session = new ConsoleSession(RandomText(), identity, RandomText(), now) { LastSeen = now, CheckedAt = now };
        await store.AddAsync(new ConsoleSessionRecord(
            HashOf(session.Id), identity.Name, [.. identity.Groups.Order(StringComparer.Ordinal)], identity.Credential, identity.FromIssuer,
            session.CsrfToken, now, now, now), cancellationToken);
        return session;
    }

    /// <summary>The live session of that id (its idle time starts again), or null: unknown, ended or expired.</summary>
    public async ValueTask<ConsoleSession?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        var hash = HashOf(id);
        if (await store.FindAsync(hash, cancellationToken) is not { } row)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (now >= row.LastSeen + idleTimeout || now >= row.SignedInAt + lifetime)
        {
            await store.RemoveAsync(hash, cancellationToken);
            return null;
        }

        var lastSeen = row.LastSeen;
        if (now >= row.LastSeen + TouchInterval)
        {
            lastSeen = now;
            await store.TouchAsync(hash, now, row.CheckedAt, cancellationToken);
        }

        var identity = Identity.User(row.User) with
        {
            Groups = new HashSet<string>(row.Groups, StringComparer.Ordinal), Credential = row.Credential, FromIssuer = row.FromIssuer,
        };
        return new ConsoleSession(id, identity, row.CsrfToken, row.SignedInAt) { LastSeen = lastSeen, CheckedAt = row.CheckedAt };
    }

    /// <summary>Ends the session of that id, on every replica.</summary>
    public async ValueTask EndAsync(string id, CancellationToken cancellationToken = default) => await store.RemoveAsync(HashOf(id), cancellationToken);

    /// <summary>Whether the session's person must be looked up again before this request: it changes something, or the last look is a minute old.</summary>
    public bool NeedsCheck(ConsoleSession session, bool stateChanging) =>
        stateChanging || time.GetUtcNow() >= session.CheckedAt + CheckInterval;

    /// <summary>The person was just found to exist, with the same secret.</summary>
    public async ValueTask CheckedAsync(ConsoleSession session, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var recorded = session.CheckedAt;
        session.CheckedAt = now;
        if (now >= recorded + TouchInterval)
        {
            // Every state-changing request checks; the store needs to hear of it only now and then.
            await store.TouchAsync(HashOf(session.Id), session.LastSeen, now, cancellationToken);
        }
    }

    /// <summary>Ends every session of the person named <paramref name="name"/>, on every replica; how many there were.</summary>
    public async ValueTask<int> EndAllOfAsync(string name, CancellationToken cancellationToken = default) =>
        await store.RemoveAllOfAsync(name, cancellationToken);

    /// <summary>The SHA-256 of a session's id: what the store keeps instead of the id.</summary>
    private static byte[] HashOf(string id) => SHA256.HashData(Encoding.UTF8.GetBytes(id));

    private static string RandomText() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
