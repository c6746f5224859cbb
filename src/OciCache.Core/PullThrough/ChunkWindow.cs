using System.Buffers;

namespace OciCache.PullThrough;

/// <summary>
/// The most recent chunks of a fill, held in memory: a fixed number of fixed-size slabs, oldest first.
/// The hasher reads them (so hashing never re-reads the file and runs beside the producer), and while a
/// fill relays (the disk refused bytes) they are the only copy of what did not reach the file, so then a
/// chunk is dropped only once every reader has passed it.
/// <code>
///   offset:  Start                                    End
///            │ chunk │ chunk │ chunk │  (free slabs)   │
///            └─ dropped when the hasher (and, relaying, the slowest reader) is past its end
/// </code>
/// Not thread-safe: the owner (<see cref="FillProgress"/>) calls it under its lock. A chunk is dropped only
/// when its slab is needed for the next one, and a new slab is rented only when the oldest chunk may not be
/// dropped yet: the producer runs ahead (a fill over a slow link uses one or two), from a pool of the fills' own
/// that keeps at most <see cref="PooledSlabs"/> idle slabs, so a burst of fills does not stay resident.
/// </summary>
internal sealed class ChunkWindow(int slabSize, int slabCount) : IDisposable
{
    /// <summary>Idle slabs kept for the next fills, whatever their number was at the peak.</summary>
    internal const int PooledSlabs = 8;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(BlobFill.SlabSize, PooledSlabs);

    private readonly Queue<Chunk> _chunks = new(slabCount);
    private readonly Stack<byte[]> _free = new(slabCount);
    private int _rented;

    public int SlabSize => slabSize;

    /// <summary>Offset of the oldest byte held.</summary>
    public long Start { get; private set; }

    /// <summary>Offset just past the newest byte held: the next chunk's offset.</summary>
    public long End { get; private set; }

    public int Count => _chunks.Count;

    /// <summary>
    /// A slab to fill with the next chunk: a free one; else the oldest chunk's, when it ends at or before
    /// <paramref name="droppableBefore"/>; else a new one while fewer than the window's count are rented.
    /// Chunks are dropped one at a time and only when their slab is needed, so a reader trailing the
    /// producer by less than the window still copies from memory rather than reading the file back.
    /// </summary>
    public bool TryRent(long droppableBefore, out byte[] slab)
    {
        if (_free.TryPop(out slab!))
        {
            return true;
        }

        if (_chunks.TryPeek(out var oldest) && oldest.Offset + oldest.Count <= droppableBefore)
        {
            _chunks.Dequeue();
            Start = _chunks.Count == 0 ? End : oldest.Offset + oldest.Count;
            slab = oldest.Slab;
            return true;
        }

        if (_rented < slabCount)
        {
            _rented++;
            slab = Pool.Rent(slabSize);
            return true;
        }

        slab = null!;
        return false;
    }

    /// <summary>Gives back a rented slab that received nothing.</summary>
    public void Return(byte[] slab) => _free.Push(slab);

    /// <summary>Appends the first <paramref name="count"/> bytes of a rented slab as the chunk at <see cref="End"/>.</summary>
    public void Append(byte[] slab, int count)
    {
        if (_chunks.Count == 0)
        {
            Start = End;
        }

        _chunks.Enqueue(new Chunk(End, slab, count));
        End += count;
    }

    /// <summary>The held bytes from <paramref name="offset"/> to the end of its chunk; empty when not held.</summary>
    public ReadOnlyMemory<byte> Slice(long offset)
    {
        foreach (var chunk in _chunks)
        {
            if (offset >= chunk.Offset && offset < chunk.Offset + chunk.Count)
            {
                var start = (int)(offset - chunk.Offset);
                return chunk.Slab.AsMemory(start, chunk.Count - start);
            }
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    public void Dispose()
    {
        foreach (var chunk in _chunks)
        {
            Pool.Return(chunk.Slab);
        }

        foreach (var slab in _free)
        {
            Pool.Return(slab);
        }

        _chunks.Clear();
        _free.Clear();
    }

    private readonly record struct Chunk(long Offset, byte[] Slab, int Count);
}
