namespace OciCache.Auth;

/// <summary>
/// Writes audit events when access control is on (there is no audit log without it), filling in who and
/// from where for events of a request. A request's event that only repeats its client's last one (a retry,
/// <see cref="AuditRepeats"/>) is not written again.
/// </summary>
internal sealed class AuditTrail(IAuditLog? log, TimeProvider? time = null)
{
    private readonly AuditRepeats _repeats = new(time ?? TimeProvider.System);

    public bool Enabled => log is not null;

    public void Write(AuditEvent entry) => log?.Write(entry);

    public void Write(HttpContext context, AuditEvent entry)
    {
        if (log is null)
        {
            return;
        }

        var caller = AccessControl.CallerOf(context);
        var filled = entry with { Who = entry.Who ?? Identity.WhoOf(caller?.Identity), Source = entry.Source ?? SourceOf(context) };
        if (!_repeats.IsRepeat(filled))
        {
            log.Write(filled);
        }
    }

    /// <summary>The client's address as the server saw it (behind a reverse proxy: the proxy's).</summary>
    public static string SourceOf(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address
            ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString()
            : "unknown";
}
