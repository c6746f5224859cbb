using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>
/// A store whose blobs clients may fetch from it directly: a full GET of a stored blob is answered with a
/// redirect to a short-lived URL instead of the bytes. Optional; a store that offers it implements it beside
/// <see cref="IBlobStore"/>.
/// </summary>
public interface IBlobRedirects
{
    /// <summary>A URL the client can GET the blob's bytes from now; null when redirects are off.</summary>
    Uri? TryGetRedirect(Digest digest);
}
