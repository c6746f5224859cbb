using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using OciCache.Auth;

namespace OciCache.Access;

/// <summary>A signed-in person's console session.</summary>
/// <param name="CsrfToken">Put in every form (hidden field <c>_csrf</c>) and sent by scripts as <c>X-CSRF-Token</c>.</param>
internal sealed record ConsoleSession(string Id, Identity Identity, string CsrfToken, DateTimeOffset SignedInAt)
{
    /// <summary>The last request of the session (idle expiry counts from it).</summary>
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>When the person was last found to exist with the same secret (<see cref="ConsoleSessions.NeedsCheck"/>).</summary>
    public DateTimeOffset CheckedAt { get; set; }
}

/// <summary>
/// Console sessions, in memory: a restart signs everyone out. The cookie holds only the session's id, 32
/// random bytes; the session ends <c>Auth:SessionIdleTimeout</c> after its last request or
/// <c>Auth:SessionLifetime</c> after sign-in, whichever comes first, on the injected clock; sign-out ends it at
/// once. At most <see cref="MaxSessions"/> live at a time: past that the least recently used one ends.
/// <para>
/// The person is looked up again (<see cref="NeedsCheck"/>) on every state-changing request and on any
/// request <see cref="CheckInterval"/> after the last look; <see cref="Auth.AccessControl"/> ends the session
/// when they are gone or their password changed. An admin's removal of a person ends theirs at once (<see cref="EndAllOf"/>).
/// </para>
/// </summary>
internal sealed class ConsoleSessions(TimeProvider time, TimeSpan idleTimeout, TimeSpan lifetime)
{
    public const int MaxSessions = 10_000;

    /// <summary>How long a session's person is trusted without a look, for requests that change nothing.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, ConsoleSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public ConsoleSession Create(Identity identity)
    {
        var now = time.GetUtcNow();
        if (_sessions.Count >= MaxSessions)
        {
            Prune(now);
        }

        var session = new ConsoleSession(RandomText(), identity, RandomText(), now) { LastSeen = now, CheckedAt = now };
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>The live session of that id (its idle time starts again), or null: unknown, ended or expired.</summary>
    public ConsoleSession? Find(string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (IsExpired(session, now))
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        session.LastSeen = now;
        return session;
    }

    public void End(string id) => _sessions.TryRemove(id, out _);

    /// <summary>Whether the session's person must be looked up again before this request: it changes something, or the last look is a minute old.</summary>
    public bool NeedsCheck(ConsoleSession session, bool stateChanging) =>
        stateChanging || time.GetUtcNow() >= session.CheckedAt + CheckInterval;

    /// <summary>The person was just found to exist, with the same secret.</summary>
    public void Checked(ConsoleSession session) => session.CheckedAt = time.GetUtcNow();

    /// <summary>Ends every session of the person named <paramref name="name"/>; how many there were.</summary>
    public int EndAllOf(string name)
    {
        var ended = 0;
        foreach (var session in _sessions.Values.Where(s => s.Identity.Name == name))
        {
            ended += _sessions.TryRemove(session.Id, out _) ? 1 : 0;
        }

        return ended;
    }

    private bool IsExpired(ConsoleSession session, DateTimeOffset now) =>
        now >= session.LastSeen + idleTimeout || now >= session.SignedInAt + lifetime;

    private void Prune(DateTimeOffset now)
    {
        foreach (var session in _sessions.Values.Where(s => IsExpired(s, now)))
        {
            _sessions.TryRemove(session.Id, out _);
        }

        foreach (var session in _sessions.Values.OrderBy(s => s.LastSeen).Take(Math.Max(0, _sessions.Count - MaxSessions + 1)))
        {
            _sessions.TryRemove(session.Id, out _);
        }
    }

    private static string RandomText() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
