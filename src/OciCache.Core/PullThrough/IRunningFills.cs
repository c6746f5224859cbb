using OciCache.Oci;
using OciCache.Registry;

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

    /// <summary>
    /// A share of the fill running for <paramref name="digest"/> once its source answered (another replica
    /// follows it: <c>/_cluster/fills/</c>), to be disposed when done; null when none runs, it takes no new
    /// reader, or it failed before its headers.
    /// </summary>
    Task<IGrowingBlob?> FollowAsync(Digest digest, CancellationToken cancellationToken);
}

/// <summary>
/// One running fill: the blob, the repository that asked first, its <see cref="FillPhase"/> by name,
/// the bytes received so far and the length once the upstream gave it.
/// </summary>
public sealed record RunningFill(Digest Digest, string? Repository, string Phase, long Received, long? Length);
