using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// What the local repositories of a quota hold together (<see cref="IBlobIndex.MeasureAsync"/>):
/// <paramref name="Bytes"/>, the size of every distinct blob and manifest they link or store, each counted
/// once however many of them hold it; <paramref name="Held"/>, those of the asked-about digests they hold
/// already (a write of one of them adds nothing).
/// </summary>
public sealed record QuotaUsage(long Bytes, IReadOnlySet<Digest> Held)
{
    public static readonly QuotaUsage Empty = new(0, new HashSet<Digest>());

    /// <summary>Whether one of a quota's patterns takes this stored name (every backend decides it so, in .NET, not in SQL).</summary>
    public static bool Covers(IReadOnlyList<RepositoryPattern> repositories, string name)
    {
        foreach (var pattern in repositories)
        {
            if (pattern.IsMatch(name))
            {
                return true;
            }
        }

        return false;
    }
}
