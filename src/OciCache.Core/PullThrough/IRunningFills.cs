using OciCache.Oci;

namespace OciCache.PullThrough;

/// <summary>
/// The blob fills running now, as the host's console shows them. The host reads fills through this and
/// nothing else: the fill machinery (<see cref="FillCoordinator"/>, <see cref="BlobFill"/>) stays internal
/// to Core. Each call takes a fresh snapshot; a fill may finish right after it was listed.
/// </summary>
public interface IRunningFills
{
    /// <summary>The fills running at the moment of the call, in no particular order.</summary>
    IReadOnlyList<RunningFill> Snapshot();
}

/// <summary>
/// One running fill: the blob, the repository that asked first, its <see cref="FillPhase"/> by name,
/// the bytes received so far and the length once the upstream gave it.
/// </summary>
public sealed record RunningFill(Digest Digest, string? Repository, string Phase, long Received, long? Length);
