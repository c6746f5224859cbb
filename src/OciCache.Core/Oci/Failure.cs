namespace OciCache.Oci;

/// <summary>
/// Why the registry could not do what it was asked, in its own words: the kind (a subtype, with the data
/// that kind needs), a message people read and an optional detail naming what it was about. A failure
/// holds no HTTP status and no OCI wire code: the host derives both from the kind in one place
/// (<c>Http/FailureResponses</c>), and reports and logs print <see cref="ToString"/>.
/// </summary>
/// <remarks>
/// Failures are values. An expected miss returns one (<c>BlobLookup.Missing</c>, <c>ManifestLookup.Missing</c>);
/// where unwinding is the natural flow (validation deep inside a service) it is thrown inside a
/// <see cref="FailureException"/>. The kinds:
/// <code>
///  not there     BlobUnknown  ManifestUnknown  ManifestBlobUnknown  NameUnknown  UploadUnknown
///  malformed     NameInvalid  TagInvalid  DigestInvalid  ManifestInvalid  TooLarge  RangeInvalid
///  refused       MirrorReadOnly  BlobInUse  Denied  TooManyRequests  Unavailable
///  storage       StorageFull  StorageUnavailable
///  upstream      UpstreamFailure (OciCache.Upstream)
/// </code>
/// The host adds the refusals only a request can earn (unauthorized, a malformed query or form).
/// </remarks>
public abstract record Failure(string Message, string? Detail)
{
    /// <summary>The message, then the detail when there is one: what reports and logs show.</summary>
    public sealed override string ToString() => Detail is null ? Message : $"{Message}: {Detail}";
}
