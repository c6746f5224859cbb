using OciCache.Access;
using OciCache.Auth;
using OciCache.Http;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Endpoints;

/// <summary>end-2 (GET, HEAD) and end-10 (DELETE) of the distribution-spec, for blobs.</summary>
internal static class BlobHandlers
{
    public static Task GetAsync(HttpContext context, Repository repository, string rawDigest)
    {
        var digest = ParseDigest(rawDigest);
        return BlobResponse.ServeAgainIfVanishedAsync(() => ServeAsync(context, repository, digest));
    }

    /// <summary>False when the bytes vanished between lookup and opening (then the caller looks again).</summary>
    private static async Task<bool> ServeAsync(HttpContext context, Repository repository, Digest digest)
    {
        var reader = context.RequestServices.GetRequiredService<IContentReader>();
        var lookup = await reader.GetBlobAsync(repository, digest, HttpMethods.IsHead(context.Request.Method), context.RequestAborted);
        if (lookup is BlobLookup.Missing missing)
        {
            await FailureResponses.WriteAsync(context, missing.Failure);
            return true;
        }

        if (lookup is BlobLookup.Stored && TryRedirect(context, digest))
        {
            return true;
        }

        if (lookup is BlobLookup.Filling filling)
        {
            context.Response.RegisterForDispose(filling.Blob); // this request stops counting as a waiting client when it ends
        }

        return await BlobResponse.WriteAsync(context, digest, lookup);
    }

    /// <summary>
    /// A full GET of a stored blob, answered with 307 to a short-lived URL of the object store when the store
    /// offers it (<c>Storage:S3:Redirect</c>): the bytes go from the store to the client. HEAD, ranges and
    /// blobs still being fetched are served here.
    /// </summary>
    private static bool TryRedirect(HttpContext context, Digest digest)
    {
        if (!HttpMethods.IsGet(context.Request.Method) || context.Request.Headers.Range.Count > 0 ||
            context.RequestServices.GetService<IBlobRedirects>()?.TryGetRedirect(digest) is not { } url)
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
        context.Response.Headers.Location = url.AbsoluteUri;
        context.Response.Headers["Docker-Content-Digest"] = digest.ToString();
        context.Response.ContentLength = 0;
        return true;
    }

    public static async Task DeleteAsync(HttpContext context, Repository repository, string rawDigest)
    {
        var digest = ParseDigest(rawDigest);
        var index = context.RequestServices.GetRequiredService<IBlobIndex>();
        switch (await index.UnlinkBlobAsync(repository, digest))
        {
            case BlobUnlink.NotLinked:
                throw new FailureException(new BlobUnknown(digest));
            case BlobUnlink.Referenced:
                throw new FailureException(new BlobInUse(repository.Name, digest));
        }

        context.RequestServices.GetRequiredService<AuditTrail>().Write(context,
            new AuditEvent("blob.delete", "ok") { Repository = repository.Name, Digest = digest.ToString() });

        // The bytes stay until garbage collection finds no repository and no manifest needing them.
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
    }

    public static Digest ParseDigest(string? raw) =>
        Digest.TryParse(raw, out var digest)
            ? digest
            : throw new FailureException(new DigestInvalid("invalid digest", raw ?? "(missing)"));
}
