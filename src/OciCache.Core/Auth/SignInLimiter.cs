using OciCache.Storage;

namespace OciCache.Auth;

/// <summary>
/// Failed sign-ins per source address over the last minute (sliding, on the injected clock). Once an address
/// has <c>limit</c> failures in that minute, its sign-ins are refused (429) until the oldest is a minute old;
/// a success does not clear the count. At most <see cref="MaxSources"/> addresses are tracked: past that,
/// addresses without a failure in the last minute are forgotten first. The failures are kept by an
/// <see cref="ISignInFailureStore"/>: in memory by default, in PostgreSQL for replicas that count together.
/// </summary>
public sealed class SignInLimiter(ISignInFailureStore store, TimeProvider time, int limit)
{
    public const int MaxSources = 10_000;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>A limiter of its own, in memory.</summary>
    public SignInLimiter(TimeProvider time, int limit)
        : this(new MemorySignInFailureStore(), time, limit)
    {
    }

    /// <summary>How long <paramref name="source"/> must wait before it may try again, or null when it may try now.</summary>
    public async ValueTask<TimeSpan?> RetryAfterAsync(string source, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var failures = await store.FindAsync(source, now - Window, cancellationToken);
        return failures.Count >= limit ? failures.Oldest + Window - now : null;
    }

    public async ValueTask RecordFailureAsync(string source, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await store.AddAsync(source, now, now - Window, MaxSources, cancellationToken);
    }
}
