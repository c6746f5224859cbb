using OciCache.Auth;

namespace OciCache.Access;

/// <summary>
/// Keeps refusals from flooding the audit log (<see cref="IAuditLog"/> in front of it). Events whose result
/// is <c>denied</c> or <c>unauthorized</c> are counted per interval of <see cref="Interval"/> (on the
/// injected clock) by action, result, who, source, repository and detail (the needed action):
/// <list type="bullet">
/// <item>the first of each in an interval is written as it happens;</item>
/// <item>the rest of that interval's are one line at its end, with <see cref="AuditEvent.Count"/>, and
/// without a reference;</item>
/// <item>an interval tracks at most <see cref="MaxKeysPerInterval"/> of them: denials past that are one
/// line per action and result at the interval's end, with their count and no source or repository.</item>
/// </list>
/// So denials write at most 2 × <see cref="MaxKeysPerInterval"/> + 2 lines an interval, however many
/// come, and cannot rotate writes (<c>manifest.push</c> and the rest, passed through as they are) out
/// of the history.
/// </summary>
internal sealed class DenialAggregator : IAuditLog, IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public const int MaxKeysPerInterval = 50;

    private readonly IAuditLog _log;
    private readonly ITimer _timer;
    private readonly Dictionary<Key, Tally> _tallies = [];

    public DenialAggregator(IAuditLog log, TimeProvider time)
    {
        _log = log;
        _timer = time.CreateTimer(_ => Flush(), null, Interval, Interval);
    }

    public static bool IsDenial(AuditEvent entry) => entry.Result is "denied" or "unauthorized";

    public void Write(AuditEvent entry)
    {
        if (!IsDenial(entry))
        {
            _log.Write(entry);
            return;
        }

        var key = new Key(entry.Action, entry.Result, entry.Who, entry.Source, entry.Repository, entry.Detail);
        lock (_tallies)
        {
            if (_tallies.TryGetValue(key, out var tally))
            {
                tally.Repeats++;
                return;
            }

            if (_tallies.Count >= MaxKeysPerInterval)
            {
                var overflow = new Key(entry.Action, entry.Result, null, null, null, null) { Overflow = true };
                if (!_tallies.TryGetValue(overflow, out var beyond))
                {
                    _tallies[overflow] = beyond = new Tally(entry with
                    {
                        Who = null, Source = null, Repository = null, Reference = null, Digest = null,
                        Detail = $"past {MaxKeysPerInterval} sources and repositories in {Interval.TotalSeconds:0} s",
                    });
                }

                beyond.Repeats++;
                return;
            }

            _tallies[key] = new Tally(entry);
        }

        _log.Write(entry);
    }

    /// <summary>Writes the counts of the interval that ends now, and starts the next.</summary>
    private void Flush()
    {
        List<AuditEvent> lines;
        lock (_tallies)
        {
            lines = [.. _tallies.Values.Where(t => t.Repeats > 0).Select(t => t.First with { Reference = null, Count = t.Repeats })];
            _tallies.Clear();
        }

        foreach (var line in lines)
        {
            _log.Write(line);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }

    private readonly record struct Key(string Action, string Result, string? Who, string? Source, string? Repository, string? Detail)
    {
        public bool Overflow { get; init; }
    }

    private sealed class Tally(AuditEvent first)
    {
        public AuditEvent First { get; } = first;

        public int Repeats { get; set; }
    }
}
