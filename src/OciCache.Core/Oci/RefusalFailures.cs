namespace OciCache.Oci;

/// <summary>A write to a mirror repository: those are caches of their upstream and take no pushes.</summary>
public sealed record MirrorReadOnly(string Repository, string? Upstream) : Failure(
    "mirror repositories are read-only",
    $"{Repository} is a cache of {Upstream}; push to a local repository instead");

/// <summary>
/// A blob DELETE the registry does not do: a manifest of the repository references the blob, and pulling
/// that image would fail.
/// </summary>
/// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#deleting-blobs</remarks>
public sealed record BlobInUse(string Repository, Digest Digest) : Failure(
    "the blob is referenced by a manifest",
    $"a manifest of {Repository} references {Digest}; delete the manifest first (the blob is then garbage-collected)");

/// <summary>A policy refuses it: an upstream rule, an access policy, a cross-site request.</summary>
public sealed record Denied : Failure
{
    public Denied(string? detail)
        : base("requested access to the resource is denied", detail)
    {
    }

    public Denied(string message, string? detail)
        : base(message, detail)
    {
    }
}

/// <summary>A limit of the caller's (open upload sessions, failed sign-ins); <see cref="RetryAfter"/> when it lifts.</summary>
public sealed record TooManyRequests(string Message, string? Detail, TimeSpan? RetryAfter = null) : Failure(Message, Detail);

/// <summary>The registry cannot take this now (a budget is full); <see cref="RetryAfter"/> when to ask again.</summary>
public sealed record Unavailable(string Message, string? Detail, TimeSpan? RetryAfter = null) : Failure(Message, Detail);
