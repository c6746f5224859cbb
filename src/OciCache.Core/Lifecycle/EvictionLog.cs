using OciCache.Oci;

namespace OciCache.Lifecycle;

/// <summary>The last <see cref="Capacity"/> evictions, newest first, in memory (the log lines keep the rest).</summary>
public sealed class EvictionLog
{
    public const int Capacity = 50;

    private readonly LinkedList<EvictionRecord> _records = new();

    public void Add(EvictionRecord record)
    {
        lock (_records)
        {
            _records.AddFirst(record);
            if (_records.Count > Capacity)
            {
                _records.RemoveLast();
            }
        }
    }

    public IReadOnlyList<EvictionRecord> Recent()
    {
        lock (_records)
        {
            return [.. _records];
        }
    }
}

/// <summary>One image (<see cref="Repository"/> set) or unreferenced blob the budget took.</summary>
public sealed record EvictionRecord(DateTimeOffset At, string? Repository, Digest Digest, IReadOnlyList<string> Tags, long Bytes);
