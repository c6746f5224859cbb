namespace OciCache.PullThrough;

/// <summary>
/// Who reads a fill: its open readers and the requests that hold a lease but have not opened theirs yet
/// (reservations). It decides how far the window may be dropped, and whether anyone may still need it.
/// Not thread-safe: the owner (<see cref="FillProgress"/>) calls it under its lock.
/// </summary>
internal sealed class FillReaders
{
    private readonly List<FillReader> _readers = [];
    private int _reservations;

    /// <summary>No reader, and no request about to open one.</summary>
    public bool IsEmpty => _readers.Count == 0 && _reservations == 0;

    public void Reserve() => _reservations++;

    public void Unreserve() => _reservations--;

    /// <summary>Adds a reader; <paramref name="reserved"/> hands over its request's reservation in the same step.</summary>
    public void Add(FillReader reader, bool reserved)
    {
        _readers.Add(reader);
        if (reserved)
        {
            _reservations--;
        }
    }

    public void Remove(FillReader reader) => _readers.Remove(reader);

    /// <summary>
    /// Where chunks may be dropped: past <paramref name="hashed"/> never, nor past a reader copying out of
    /// the window; and when the fill relays (<paramref name="fileEnd"/> is not <see cref="long.MaxValue"/>), a
    /// chunk past the file's end is the only copy, kept until the slowest reader has it.
    /// </summary>
    public long DroppableBefore(long hashed, long fileEnd)
    {
        var before = hashed;
        var slowest = _reservations > 0 ? 0 : long.MaxValue; // a request about to open its reader reads from 0 at the earliest
        foreach (var reader in _readers)
        {
            if (reader.Pinned)
            {
                before = Math.Min(before, reader.Position); // copying out of the window right now
            }

            slowest = Math.Min(slowest, reader.Position);
        }

        return fileEnd != long.MaxValue ? Math.Min(before, Math.Max(slowest, fileEnd)) : before;
    }
}
