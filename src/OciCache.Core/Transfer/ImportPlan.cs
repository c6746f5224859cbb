using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Transfer;

/// <summary>
/// What an import will record, decided before anything is: every manifest and blob the bundle's entries
/// need, checked against the verified blobs (present, and of the size the descriptor gives).
/// </summary>
internal sealed class ImportPlan(IReadOnlyDictionary<Digest, long> verified)
{
    private readonly List<ImportStep> _images = [];
    private readonly List<ImportStep> _referrers = [];

    /// <summary>Images first (each child before its parent, blobs before their manifest), then referrers.</summary>
    public IEnumerable<ImportStep> Steps => _images.Concat(_referrers);

    public bool Has(Digest digest) => verified.ContainsKey(digest);

    /// <exception cref="TransferException">The blob is not in the bundle, or has another size than its descriptor says.</exception>
    public void Require(Digest digest, long size, string what)
    {
        if (!verified.TryGetValue(digest, out var length))
        {
            throw new TransferException($"blob {digest} ({what}) is missing from the bundle: it is truncated or incomplete");
        }

        if (length != size)
        {
            throw new TransferException($"blob {digest} ({what}) has {length} bytes in the bundle; its descriptor says {size}");
        }
    }

    public void Add(IEnumerable<ImportStep> steps, bool referrer) => (referrer ? _referrers : _images).AddRange(steps);
}

/// <summary>One write of an import.</summary>
internal abstract record ImportStep(Repository Repository)
{
    public sealed record Link(Repository Repository, Digest Digest, long Size) : ImportStep(Repository);

    public sealed record Manifest(Repository Repository, Digest Digest, string MediaType, string? Tag) : ImportStep(Repository);
}
