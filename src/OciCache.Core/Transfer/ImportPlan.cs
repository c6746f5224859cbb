using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Transfer;

/// <summary>
/// What an import will record, decided before anything is: every manifest and blob the bundle's entries
/// need, checked against the verified blobs (present, and of the size the descriptor gives). Each manifest
/// is planned once per repository, however many parents list it (a bundle may be a DAG whose paths are
/// exponentially many), and the whole plan is bounded: <see cref="MaxSteps"/> writes and
/// <see cref="MaxManifestBytes"/> of manifests read.
/// </summary>
internal sealed class ImportPlan(IReadOnlyDictionary<Digest, long> verified)
{
    /// <summary>
    /// An import records at most this many blob links and manifests. Far above a real bundle (an export of
    /// a thousand multi-platform images needs a few tens of thousands), and a few tens of MiB of plan.
    /// </summary>
    public const int MaxSteps = 200_000;

    /// <summary>An import reads at most this many bytes of manifests while it plans (each manifest once per repository).</summary>
    public const long MaxManifestBytes = 512L * 1024 * 1024;

    private readonly List<ImportStep> _images = [];
    private readonly List<ImportStep> _late = [];
    private readonly HashSet<(string Repository, Digest Digest)> _planned = [];
    private long _manifestBytes;

    /// <summary>Images first (each child before its parent, blobs before their manifest), then referrers and late tags.</summary>
    public IEnumerable<ImportStep> Steps => _images.Concat(_late);

    public bool Has(Digest digest) => verified.ContainsKey(digest);

    /// <summary>True the first time a manifest is met for <paramref name="repository"/>: then it is to be planned; false after.</summary>
    public bool FirstVisit(Repository repository, Digest digest) => _planned.Add((repository.Name, digest));

    /// <exception cref="TransferException">The bundle's manifests take more than <see cref="MaxManifestBytes"/> to plan.</exception>
    public void Read(int manifestBytes)
    {
        _manifestBytes += manifestBytes;
        if (_manifestBytes > MaxManifestBytes)
        {
            throw new TransferException($"the bundle's manifests take more than {MaxManifestBytes} bytes to read (each once per repository); import it in parts");
        }
    }

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

    /// <summary>Adds an image's steps; <paramref name="late"/> ones (referrers, a tag for a manifest planned already) come after every image.</summary>
    /// <exception cref="TransferException">The plan would exceed <see cref="MaxSteps"/>.</exception>
    public void Add(IReadOnlyCollection<ImportStep> steps, bool late)
    {
        if (_images.Count + _late.Count + steps.Count > MaxSteps)
        {
            throw new TransferException($"the bundle needs more than {MaxSteps} blob links and manifests recorded; import it in parts");
        }

        (late ? _late : _images).AddRange(steps);
    }
}

/// <summary>One write of an import.</summary>
internal abstract record ImportStep(Repository Repository)
{
    public sealed record Link(Repository Repository, Digest Digest, long Size) : ImportStep(Repository);

    public sealed record Manifest(Repository Repository, Digest Digest, string MediaType, string? Tag) : ImportStep(Repository);
}
