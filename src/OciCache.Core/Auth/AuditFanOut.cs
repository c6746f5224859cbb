namespace OciCache.Auth;

/// <summary>
/// One <see cref="IAuditLog"/> that writes each event to several: with a shared database, the cluster's table
/// (<see cref="StoredAuditLog"/>) and this replica's <c>audit.log</c>, which operators tail and which keeps the
/// events while the database is away. Neither write throws, so one cannot keep an event from the other.
/// </summary>
internal sealed class AuditFanOut(IReadOnlyList<IAuditLog> logs) : IAuditLog
{
    public void Write(AuditEvent entry)
    {
        foreach (var log in logs)
        {
            log.Write(entry);
        }
    }
}
