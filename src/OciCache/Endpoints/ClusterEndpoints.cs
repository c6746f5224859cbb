using OciCache.Http;
using OciCache.Oci;
using OciCache.PullThrough;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Endpoints;

/// <summary>
/// The replicas' internal endpoint, outside registry access control: <c>GET /_cluster/fills/{digest}</c>
/// streams this replica's running fill of a blob from offset 0 as it grows (headers once its upstream
/// answered, the last byte once the digest verified), or the stored blob once committed. Only a request
/// bearing <c>Cluster:Secret</c> is answered (compared in constant time; 401 without detail otherwise),
/// and without a secret configured the endpoint does not exist (404).
/// </summary>
internal static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapCluster(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_cluster/fills/{digest}", static context => ServeFillAsync(context, context.Request.RouteValues["digest"] as string ?? ""));
        return app;
    }

    private static async Task ServeFillAsync(HttpContext context, string rawDigest)
    {
        var secret = context.RequestServices.GetRequiredService<ClusterSecret>();
        if (!secret.IsSet)
        {
            End(context, StatusCodes.Status404NotFound);
            return;
        }

        if (!secret.Matches(context.Request.Headers.Authorization.ToString()))
        {
            End(context, StatusCodes.Status401Unauthorized);
            return;
        }

        if (!Digest.TryParse(rawDigest, out var digest))
        {
            End(context, StatusCodes.Status404NotFound);
            return;
        }

        await BlobResponse.ServeAgainIfVanishedAsync(() => ServeAsync(context, digest));
    }

    /// <summary>The running fill, else the stored blob, else 404. False when the bytes vanished before any was sent.</summary>
    private static async Task<bool> ServeAsync(HttpContext context, Digest digest)
    {
        if (await context.RequestServices.GetRequiredService<IRunningFills>().FollowAsync(digest, context.RequestAborted) is { } fill)
        {
            context.Response.RegisterForDispose(fill); // the peer counts as a waiting client of the fill until it is done
            return await BlobResponse.WriteAsync(context, digest, new BlobLookup.Filling(fill));
        }

        if (context.RequestServices.GetRequiredService<IBlobStore>().TryGetLength(digest, out var length))
        {
            return await BlobResponse.WriteAsync(context, digest, new BlobLookup.Stored(length));
        }

        End(context, StatusCodes.Status404NotFound);
        return true;
    }

    private static void End(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentLength = 0;
    }
}
