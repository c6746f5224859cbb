namespace OciCache.Auth;

/// <summary>
/// The audit trail of writes and refusals, kept apart from the request log. Writing never throws into a
/// request: an audit file that cannot be written is reported in the server log.
/// </summary>
public interface IAuditLog
{
    /// <summary>Records <paramref name="entry"/> with the current time (from the injected <see cref="TimeProvider"/>).</summary>
    void Write(AuditEvent entry);
}
