using OciCache.Oci;

namespace OciCache.Transfer;

/// <summary>What an export will write: each blob once, in the order first met, and the index.json entries.</summary>
internal sealed class ExportPlan
{
    private readonly Dictionary<Digest, long> _sizes = [];

    public List<KeyValuePair<Digest, long>> Blobs { get; } = [];

    public List<LayoutEntry> Entries { get; } = [];

    public List<string> Notes { get; } = [];

    public long Bytes { get; private set; }

    /// <summary>False when the blob is planned already.</summary>
    public bool Add(Digest digest, long size)
    {
        if (!_sizes.TryAdd(digest, size))
        {
            return false;
        }

        Blobs.Add(new(digest, size));
        Bytes += size;
        return true;
    }

    public bool Contains(Digest digest) => _sizes.ContainsKey(digest);

    public long SizeOf(Digest digest) => _sizes[digest];
}
