using OciCache.Oci;

namespace OciCache.Trust;

/// <summary>
/// Verdicts per (repository, digest) with the policy version they were reached under, at most
/// <c>capacity</c> of them (the least recently used goes first). A verdict of another version is a miss. A
/// signed one (or one that checked nothing: a signature artifact) holds until the version moves on; an unsigned
/// or invalid one for <c>recheck</c> on the injected clock, and until <see cref="DropUnsigned"/> for its
/// repository, so a signature stored or published later is seen.
/// </summary>
internal sealed class VerdictCache(int capacity, TimeSpan recheck, TimeProvider time)
{
    private readonly Dictionary<(string Repository, Digest Digest), LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recent = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public TrustVerdict? Get(Repository repository, Digest digest, long version)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.TryGetValue((repository.Name, digest), out var node))
            {
                return null;
            }

            var entry = node.Value;
            if (entry.Version != version || (!Lasts(entry.Verdict) && now - entry.At >= recheck))
            {
                Remove(node);
                return null;
            }

            _recent.Remove(node);
            _recent.AddFirst(node);
            return entry.Verdict;
        }
    }

    public void Put(Repository repository, Digest digest, long version, TrustVerdict verdict)
    {
        var entry = new Entry(repository.Name, digest, version, verdict, time.GetUtcNow());
        lock (_lock)
        {
            if (_entries.TryGetValue((repository.Name, digest), out var old))
            {
                Remove(old);
            }

            _entries[(repository.Name, digest)] = _recent.AddFirst(entry);
            while (_entries.Count > capacity && _recent.Last is { } last)
            {
                Remove(last);
            }
        }
    }

    /// <summary>Forgets every verdict of <paramref name="repository"/> that is not signed (a manifest was stored there).</summary>
    public void DropUnsigned(Repository repository)
    {
        lock (_lock)
        {
            for (var node = _recent.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Repository == repository.Name && !Lasts(node.Value.Verdict))
                {
                    Remove(node);
                }

                node = next;
            }
        }
    }

    private static bool Lasts(TrustVerdict verdict) => verdict.State is TrustState.Signed or TrustState.NotCovered;

    private void Remove(LinkedListNode<Entry> node)
    {
        _recent.Remove(node);
        _entries.Remove((node.Value.Repository, node.Value.Digest));
    }

    private sealed record Entry(string Repository, Digest Digest, long Version, TrustVerdict Verdict, DateTimeOffset At);
}
