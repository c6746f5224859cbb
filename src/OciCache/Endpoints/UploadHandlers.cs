using Microsoft.AspNetCore.Http.Features;
using OciCache.Access;
using OciCache.Auth;
using OciCache.Http;
using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Endpoints;

/// <summary>
/// end-4a/4b (POST, optionally with <c>?digest=</c> or <c>?mount=&amp;from=</c>), end-5 (PATCH),
/// end-6 (PUT), end-11 (mount), end-13 (GET status) and upload cancel (DELETE).
/// </summary>
internal static class UploadHandlers
{
    public static async Task StartAsync(HttpContext context, Repository repository)
    {
        var uploads = context.RequestServices.GetRequiredService<UploadService>();
        var query = context.Request.Query;
        if (query.TryGetValue("mount", out var mount))
        {
            var digest = BlobHandlers.ParseDigest(mount);
            if (MountSourceOf(context, query["from"].ToString()) is { } from && await uploads.TryMountAsync(repository, digest, from))
            {
                Created(context, repository, digest);
                return;
            }
        }
        else if (query.TryGetValue("digest", out var rawDigest))
        {
            var digest = BlobHandlers.ParseDigest(rawDigest);
            await uploads.PutMonolithicAsync(repository, digest, context.Request.Body, context.RequestAborted);
            Created(context, repository, digest);
            return;
        }

        var id = await uploads.StartAsync(repository, ClientOf(context));
        Accepted(context, repository, id, 0);
    }

    public static async Task PatchAsync(HttpContext context, Repository repository, string id)
    {
        var uploads = context.RequestServices.GetRequiredService<UploadService>();
        var range = await ChunkRangeOfAsync(context, uploads, repository, id);
        var size = await uploads.AppendAsync(repository, id, context.Request.Body, range, context.RequestAborted);
        Accepted(context, repository, id, size);
    }

    public static async Task PutAsync(HttpContext context, Repository repository, string id)
    {
        var uploads = context.RequestServices.GetRequiredService<UploadService>();
        var digest = BlobHandlers.ParseDigest(context.Request.Query["digest"]);
        if (HasBody(context))
        {
            var range = await ChunkRangeOfAsync(context, uploads, repository, id);
            await uploads.AppendAsync(repository, id, context.Request.Body, range, context.RequestAborted);
        }

        await uploads.CompleteAsync(repository, id, digest, null, context.RequestAborted);
        Created(context, repository, digest);
    }

    public static async Task StatusAsync(HttpContext context, Repository repository, string id)
    {
        var size = await context.RequestServices.GetRequiredService<UploadService>().GetSizeAsync(repository, id, context.RequestAborted);
        Accepted(context, repository, id, size);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public static async Task CancelAsync(HttpContext context, Repository repository, string id)
    {
        await context.RequestServices.GetRequiredService<UploadService>().CancelAsync(repository, id, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// The range a chunk claims, or null for a streamed chunk without Content-Range. A body whose declared
    /// length already disagrees with the range is refused here, before any of it is read.
    /// </summary>
    private static async Task<ChunkRange?> ChunkRangeOfAsync(HttpContext context, UploadService uploads, Repository repository, string id)
    {
        var header = context.Request.Headers.ContentRange.ToString();
        if (header.Length == 0)
        {
            return null;
        }

        if (!ContentRange.TryParseStart(header, out var start, out var end))
        {
            throw new FailureException(new RangeInvalid("invalid Content-Range", header, await uploads.GetSizeAsync(repository, id, context.RequestAborted)));
        }

        var range = new ChunkRange(start, end);
        if (context.Request.ContentLength is { } declared && declared != range.Length)
        {
            throw new FailureException(new RangeInvalid("chunk length does not match its Content-Range",
                $"Content-Range {range} announces {range.Length} bytes, Content-Length is {declared}", await uploads.GetSizeAsync(repository, id, context.RequestAborted)));
        }

        return range;
    }

    /// <summary>
    /// The repository a mount may link from: a valid name that routes to a local repository. A mirror
    /// repository is no source, since linking its cached blob would make upstream content local without
    /// the client sending it (uncounted by <c>Storage:MaxCacheBytes</c>, never evicted); a missing or
    /// invalid <c>from</c> names no repository, and neither does one the caller may not pull (access control:
    /// a mount must not copy content the caller could not read). Null means "start an upload instead" (202), as
    /// distribution-spec 1.1 asks for a mount the registry cannot do.
    /// </summary>
    private static Repository? MountSourceOf(HttpContext context, string from)
    {
        if (!RepositoryName.IsValid(from))
        {
            return null;
        }

        try
        {
            var source = context.RequestServices.GetRequiredService<RepositoryRouter>().Route(from, null);
            var access = context.RequestServices.GetRequiredService<AccessControl>();
            var mayPull = AccessControl.CallerOf(context) is not { } caller || access.Allowed(caller, source).HasFlag(AccessActions.Pull);
            return source.IsMirror || !mayPull ? null : source;
        }
        catch (FailureException)
        {
            return null;
        }
    }

    /// <summary>The source address sessions are counted by; an IPv4 client on a dual-stack socket counts as its IPv4 address.</summary>
    private static string ClientOf(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address
            ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString()
            : "unknown";

    private static bool HasBody(HttpContext context) =>
        context.Request.ContentLength > 0 ||
        (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true);

    private static void Created(HttpContext context, Repository repository, Digest digest)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = $"/v2/{repository.Name}/blobs/{digest}";
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.ContentLength = 0;
    }

    private static void Accepted(HttpContext context, Repository repository, string id, long size)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status202Accepted;
        response.Headers.Location = $"/v2/{repository.Name}/blobs/uploads/{id}";
        response.Headers.Range = UploadService.RangeHeader(size);
        response.Headers["Docker-Upload-UUID"] = id;
        response.ContentLength = 0;
    }
}
