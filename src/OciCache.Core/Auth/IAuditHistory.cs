using OciCache.Storage;

namespace OciCache.Auth;

/// <summary>
/// The audit events of the whole cluster, for the console's audit view, when they are kept in a shared store
/// (<see cref="StoredAuditLog"/>). Without one the view reads this process's <c>audit.log</c>.
/// </summary>
public interface IAuditHistory
{
    /// <summary>The events that match <paramref name="query"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AuditLine>> ReadAsync(AuditQuery query, int limit, CancellationToken cancellationToken);
}
