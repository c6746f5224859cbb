using OciCache.Oci;

namespace OciCache.Registry;

/// <summary>The errors the registry answers most, built in one place so their messages stay consistent.</summary>
public static class RegistryErrors
{
    public static RegistryException BlobUnknown(Digest digest) =>
        new(OciErrorCode.BlobUnknown, "blob unknown to registry", digest.ToString());

    public static RegistryException ManifestUnknown(Reference reference) =>
        new(OciErrorCode.ManifestUnknown, "manifest unknown", reference.ToString());

    /// <summary>For a reference that is not a valid tag or digest, so can name no manifest.</summary>
    public static RegistryException ManifestUnknown(string reference) =>
        new(OciErrorCode.ManifestUnknown, "manifest unknown", reference);

    public static RegistryException NameUnknown(string repository) =>
        new(OciErrorCode.NameUnknown, "repository name not known to registry", repository);

    public static RegistryException UploadUnknown(string id) =>
        new(OciErrorCode.BlobUploadUnknown, "blob upload unknown to registry", id);

    public static RegistryException DigestInvalid(string detail) =>
        new(OciErrorCode.DigestInvalid, "provided digest did not match uploaded content", detail);

    public static RegistryException MirrorReadOnly(Repository repository) =>
        new(OciErrorCode.Unsupported, "mirror repositories are read-only",
            $"{repository.Name} is a cache of {repository.Upstream}; push to a local repository instead");

    /// <summary>
    /// 405 UNSUPPORTED, the spec's answer for a blob DELETE the registry does not do: a blob that a manifest
    /// of the repository references stays, or pulling that image would fail.
    /// </summary>
    /// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#deleting-blobs</remarks>
    public static RegistryException BlobInUse(Repository repository, Digest digest) =>
        new(OciErrorCode.Unsupported, "the blob is referenced by a manifest",
            $"a manifest of {repository.Name} references {digest}; delete the manifest first (the blob is then garbage-collected)");

    /// <summary>
    /// A chunk that does not continue the session where it stands (out of order, or a body whose length
    /// disagrees with its <c>Content-Range</c>): 416 with the session's current range, which the spec tells
    /// the client to resume from.
    /// </summary>
    public static RegistryException RangeInvalid(string message, string detail, long sessionSize) =>
        new(OciErrorCode.RangeInvalid, message, detail)
        {
            Headers = new Dictionary<string, string> { ["Range"] = UploadService.RangeHeader(sessionSize) },
        };

    public static RegistryException DiskFull(string what) =>
        new(OciErrorCode.InsufficientStorage, "the registry's storage is full", what);
}
