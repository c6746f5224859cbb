using OciCache.Storage;

namespace OciCache.Lifecycle;

/// <summary>
/// Pins added at runtime (the console, <c>/api/pins</c>), kept by <see cref="IPinStore"/> so they survive
/// restarts, beside the configured <c>Storage:Pins</c>. Patterns are those of <see cref="PinPattern"/>.
/// Read on every eviction candidate from a snapshot in memory, loaded at the first read and again after
/// each change.
/// </summary>
public sealed class RuntimePins(IPinStore store, TimeProvider time)
{
    private readonly SemaphoreSlim _reload = new(1, 1); // the last snapshot set is of the last read of the store
    private volatile Snapshot? _current;

    public async ValueTask<IReadOnlyList<RuntimePin>> ListAsync(CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken)).Pins;

    public async ValueTask<bool> IsPinnedAsync(string repository, IReadOnlyList<string> tags, CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken)).Matcher.IsPinned(repository, tags);

    /// <summary>Adds the pattern (again: kept as it was); returns false when it was there.</summary>
    public async Task<bool> AddAsync(string pattern, string? who, CancellationToken cancellationToken = default)
    {
        var added = await store.AddAsync(new RuntimePin(pattern, time.GetUtcNow(), who), cancellationToken);
        await ReloadAsync(cancellationToken);
        return added;
    }

    public async Task<bool> RemoveAsync(string pattern, CancellationToken cancellationToken = default)
    {
        var removed = await store.RemoveAsync(pattern, cancellationToken);
        await ReloadAsync(cancellationToken);
        return removed;
    }

    /// <summary>A pin <see cref="PinPattern"/> takes, <c>repository[:tag]</c>, of at most 256 characters.</summary>
    public static bool IsValidPattern(string? pattern) =>
        pattern is { Length: > 0 and <= 256 } && PinPattern.TryParse(pattern, out _, out _);

    private ValueTask<Snapshot> CurrentAsync(CancellationToken cancellationToken) =>
        _current is { } current ? ValueTask.FromResult(current) : new ValueTask<Snapshot>(ReloadAsync(cancellationToken));

    private async Task<Snapshot> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            var snapshot = new Snapshot([.. await store.ListAsync(cancellationToken)]);
            _current = snapshot;
            return snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    private sealed class Snapshot(List<RuntimePin> pins)
    {
        public IReadOnlyList<RuntimePin> Pins { get; } = pins;

        public PinMatcher Matcher { get; } = new(pins.Select(p => p.Pattern));
    }
}
