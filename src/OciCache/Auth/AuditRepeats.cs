namespace OciCache.Auth;

/// <summary>
/// Recognises a client's retry: an event identical in every field (action, result, who, source, repository,
/// reference, digest, detail) to the last one from the same source, within <see cref="Window"/> of it. Clients
/// retry a failed push by themselves (podman and buildah three times), so each refusal would otherwise be
/// written once per attempt; the first is what the audit log needs. Sign-ins are never taken for repeats:
/// every failed password is worth its line.
/// </summary>
internal sealed class AuditRepeats(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private const int MaxSources = 1024;
    private readonly Dictionary<string, (AuditEvent Entry, DateTimeOffset At)> _last = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="entry"/> repeats its source's last event; records it as the last either way.</summary>
    public bool IsRepeat(AuditEvent entry)
    {
        if (entry.Action == "signin")
        {
            return false;
        }

        var now = time.GetUtcNow();
        var source = entry.Source ?? "";
        lock (_last)
        {
            var repeat = _last.TryGetValue(source, out var last) && last.Entry == entry && now - last.At < Window;
            if (_last.Count >= MaxSources && !_last.ContainsKey(source))
            {
                _last.Clear(); // many sources at once: forget, at worst a retry is written twice
            }

            _last[source] = (entry, now);
            return repeat;
        }
    }
}
