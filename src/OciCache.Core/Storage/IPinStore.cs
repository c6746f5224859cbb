namespace OciCache.Storage;

/// <summary>
/// The pins added at runtime (the console, <c>/api/pins</c>), kept so they survive restarts (the metadata
/// database's <c>pins</c> table in SQLite). The store keeps patterns as given; what a pattern matches, and
/// the snapshot eviction reads, are <c>Lifecycle/RuntimePins</c>'.
/// </summary>
/// <remarks>Every backend passes <c>tests/OciCache.TestSupport/Storage/PinStoreContract.cs</c>.</remarks>
public interface IPinStore
{
    /// <summary>Every pin, by pattern (ordinal).</summary>
    Task<IReadOnlyList<RuntimePin>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Adds the pin; false, with the stored one kept as it was, when its pattern is there.</summary>
    Task<bool> AddAsync(RuntimePin pin, CancellationToken cancellationToken);

    /// <summary>Removes the pin of that pattern; false when there was none.</summary>
    Task<bool> RemoveAsync(string pattern, CancellationToken cancellationToken);
}

/// <summary>A pin added at runtime: who added it and when (to the millisecond).</summary>
public sealed record RuntimePin(string Pattern, DateTimeOffset CreatedAt, string? CreatedBy);
