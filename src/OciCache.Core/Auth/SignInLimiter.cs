namespace OciCache.Auth;

/// <summary>
/// Failed sign-ins per source address over the last minute (sliding, on the injected clock). Once an address
/// has <c>limit</c> failures in that minute, its sign-ins are refused (429) until the oldest is a minute old;
/// a success does not clear the count. At most <see cref="MaxSources"/> addresses are tracked: past that,
/// addresses without a failure in the last minute are forgotten first.
/// </summary>
public sealed class SignInLimiter(TimeProvider time, int limit)
{
    public const int MaxSources = 10_000;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>True (with how long to wait) when <paramref name="source"/> may not try now.</summary>
    public bool IsBlocked(string source, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        lock (_failures)
        {
            retryAfter = TimeSpan.Zero;
            if (!_failures.TryGetValue(source, out var failures))
            {
                return false;
            }

            Prune(failures, now);
            if (failures.Count < limit)
            {
                return false;
            }

            retryAfter = failures.Peek() + Window - now;
            return true;
        }
    }

    public void RecordFailure(string source)
    {
        var now = time.GetUtcNow();
        lock (_failures)
        {
            if (!_failures.TryGetValue(source, out var failures))
            {
                if (_failures.Count >= MaxSources)
                {
                    Forget(now);
                }

                _failures[source] = failures = new Queue<DateTimeOffset>();
            }

            Prune(failures, now);
            failures.Enqueue(now);
        }
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (source, failures) in _failures.ToList())
        {
            Prune(failures, now);
            if (failures.Count == 0)
            {
                _failures.Remove(source);
            }
        }

        if (_failures.Count >= MaxSources)
        {
            _failures.Clear(); // an attacker with this many addresses could as well use new ones
        }
    }

    private static void Prune(Queue<DateTimeOffset> failures, DateTimeOffset now)
    {
        while (failures.Count > 0 && failures.Peek() + Window <= now)
        {
            failures.Dequeue();
        }
    }
}
