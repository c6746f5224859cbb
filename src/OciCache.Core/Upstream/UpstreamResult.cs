using OciCache.Oci;

namespace OciCache.Upstream;

public enum UpstreamFailureKind
{
    /// <summary>The upstream answered 404: the content is not there (not an outage).</summary>
    NotFound,
    Unauthorized,
    RateLimited,
    ServerError,
    Timeout,

    /// <summary>Connection refused or reset, DNS failure, or the breaker is open.</summary>
    Unreachable,

    /// <summary>Another 4xx.</summary>
    Rejected,

    /// <summary>The upstream answered, but with content that cannot be right (wrong digest, not a manifest).</summary>
    Invalid,

    /// <summary>Not asked: the cache is offline (<see cref="OfflineSwitch"/>).</summary>
    Offline,
}

/// <summary>
/// Why an upstream request did not produce usable content, classified (<see cref="UpstreamFailureKind"/>).
/// It travels whole from <see cref="UpstreamClient"/> to the response (as the cause of a <c>BlobUnknown</c>
/// or <c>ManifestUnknown</c>) and to the prefetch and sync reports; its text is <c>Kind: Detail</c>.
/// </summary>
public sealed record UpstreamFailure(UpstreamFailureKind Kind, string Reason) : Failure(Kind.ToString(), Reason)
{
    /// <summary>Anything but a 404 means the upstream is down, limiting or broken: cached copies may be served.</summary>
    public bool IsOutage => Kind != UpstreamFailureKind.NotFound;
}

/// <summary>The response of a successful upstream request (owned by the caller), or why it failed.</summary>
public readonly record struct UpstreamResult(HttpResponseMessage? Response, UpstreamFailure? Failure)
{
    public static UpstreamResult Ok(HttpResponseMessage response) => new(response, null);

    public static UpstreamResult Fail(UpstreamFailureKind kind, string detail) => new(null, new UpstreamFailure(kind, detail));
}

/// <summary>The tags of an upstream listing that could be read, and why it ended early (null: it did not).</summary>
public sealed record UpstreamTagList(IReadOnlyList<string> Tags, UpstreamFailure? Failure);
