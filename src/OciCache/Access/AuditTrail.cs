using OciCache.Auth;

namespace OciCache.Access;

/// <summary>
/// Writes audit events when access control is on (there is no audit log without it), filling in who and
/// from where for events of a request. Refusals go through a <see cref="DenialAggregator"/>, so a flood of
/// them is a few lines a minute.
/// </summary>
internal sealed class AuditTrail(IAuditLog? log, TimeProvider? time = null) : IDisposable
{
    private readonly DenialAggregator? _log = log is null ? null : new DenialAggregator(log, time ?? TimeProvider.System);

    public bool Enabled => _log is not null;

    public void Write(AuditEvent entry) => _log?.Write(entry);

    public void Write(HttpContext context, AuditEvent entry)
    {
        if (_log is null)
        {
            return;
        }

        var caller = AccessControl.CallerOf(context);
        _log.Write(entry with { Who = entry.Who ?? Identity.WhoOf(caller?.Identity), Source = entry.Source ?? SourceOf(context) });
    }

    /// <summary>The client's address as the server saw it (behind a reverse proxy: the proxy's).</summary>
    public static string SourceOf(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address
            ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString()
            : "unknown";

    /// <summary>Writes the counts of refusals not written yet.</summary>
    public void Dispose() => _log?.Dispose();
}
