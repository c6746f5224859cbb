using OciCache.Oci;

namespace OciCache.Lifecycle;

/// <summary>
/// Why an image of a prefetch or a sync run could not be copied: the reason people read and, when another
/// failure is behind it (a lookup's <see cref="BlobUnknown"/> or <see cref="ManifestUnknown"/> with the
/// upstream's failure inside, a fill's <c>UpstreamFailure</c>), that failure whole in <see cref="Cause"/>.
/// </summary>
public sealed record CopyFailed(string Reason, Failure? Cause = null) : Failure(Reason, null);

/// <summary>
/// One failure of a prefetch or sync report: what could not be done (an image, a tag listing, a catalog)
/// and the failure whole. It becomes text, <c>IMAGE: REASON</c>, only where the report is written.
/// </summary>
public sealed record ImageFailure(string Image, Failure Failure)
{
    public override string ToString() => $"{Image}: {Failure}";
}
