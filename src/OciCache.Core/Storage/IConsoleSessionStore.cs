using System.Text;

namespace OciCache.Storage;

/// <summary>
/// The console's sessions, as rows: in memory for one process (<see cref="MemoryConsoleSessionStore"/>), or in
/// PostgreSQL for replicas that share them. What a row means is the host's (<c>Access/ConsoleSessions</c>):
/// the random id, expiry, the bound. A store never sees a session's id, only its SHA-256
/// (<see cref="ConsoleSessionRecord.IdHash"/>), so rows read from the database do not sign anyone in.
/// </summary>
public interface IConsoleSessionStore
{
    Task AddAsync(ConsoleSessionRecord session, CancellationToken cancellationToken);

    /// <summary>The row of that id hash, expired or not, or null.</summary>
    Task<ConsoleSessionRecord?> FindAsync(byte[] idHash, CancellationToken cancellationToken);

    /// <summary>Moves the row's last request and last check forward (never back: replicas race); false when the row is gone.</summary>
    Task<bool> TouchAsync(byte[] idHash, DateTimeOffset lastSeen, DateTimeOffset checkedAt, CancellationToken cancellationToken);

    Task<bool> RemoveAsync(byte[] idHash, CancellationToken cancellationToken);

    /// <summary>Removes every row of <paramref name="user"/>; how many there were.</summary>
    Task<int> RemoveAllOfAsync(string user, CancellationToken cancellationToken);

    Task<int> CountAsync(CancellationToken cancellationToken);

    /// <summary>Removes the rows last seen at or before <paramref name="lastSeenBy"/> or signed in at or before <paramref name="signedInBy"/>.</summary>
    Task<int> RemoveExpiredAsync(DateTimeOffset lastSeenBy, DateTimeOffset signedInBy, CancellationToken cancellationToken);

    /// <summary>Removes the <paramref name="count"/> rows seen least recently.</summary>
    Task<int> RemoveLeastRecentAsync(int count, CancellationToken cancellationToken);
}

/// <summary>
/// A console session's row. The person is kept as what a console sign-in proves (a user, never a robot or an
/// API key): the name, the issuer's groups, the fingerprint of the password, whether the issuer vouched.
/// </summary>
/// <param name="IdHash">The SHA-256 of the session's id (the cookie's value), 32 bytes.</param>
public sealed record ConsoleSessionRecord(
    byte[] IdHash, string User, IReadOnlyList<string> Groups, string? Credential, bool FromIssuer, string CsrfToken,
    DateTimeOffset SignedInAt, DateTimeOffset LastSeen, DateTimeOffset CheckedAt)
{
    /// <summary>Leaves the CSRF token out of <c>ToString</c>, should a row ever reach a log.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"User = {User}, SignedInAt = {SignedInAt:O}, LastSeen = {LastSeen:O}");
        return true;
    }
}
