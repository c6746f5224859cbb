using OciCache.Http;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

namespace OciCache.Endpoints;

/// <summary>
/// Maps the distribution API. Repository names contain slashes, which route templates cannot express
/// before a fixed suffix, so one catch-all endpoint parses the path (<see cref="RegistryRoute"/>) and
/// hands the request to the handler for its kind and method.
/// </summary>
internal static class RegistryEndpoints
{
    public static IEndpointRouteBuilder MapRegistry(this IEndpointRouteBuilder app)
    {
        app.Map("/v2", Dispatch);
        app.Map("/v2/{**path}", Dispatch);
        return app;
    }

    private static Task Dispatch(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var rest = path.Length > 4 ? path[4..] : "";
        if (!RegistryRoute.TryParse(rest, out var route))
        {
            return OciErrorWriter.WriteAsync(context, OciErrorCode.NameUnknown, "unknown registry path", path);
        }

        var method = context.Request.Method;
        if (route.Kind == RouteKind.Base)
        {
            return IsRead(method) ? JsonBody.WriteAsync(context, w => { w.WriteStartObject(); w.WriteEndObject(); }) : Unsupported(context);
        }

        if (route.Kind == RouteKind.Catalog)
        {
            return IsRead(method) ? DiscoveryHandlers.CatalogAsync(context) : Unsupported(context);
        }

        var repository = context.RequestServices.GetRequiredService<RepositoryResolver>().Resolve(context, route.Name);
        return (route.Kind, method) switch
        {
            (RouteKind.Manifest, "GET" or "HEAD") => ManifestHandlers.GetAsync(context, repository, route.Reference),
            (RouteKind.Manifest, "PUT") => ManifestHandlers.PutAsync(context, Writable(context, repository), route.Reference),
            (RouteKind.Manifest, "DELETE") => ManifestHandlers.DeleteAsync(context, Writable(context, repository), route.Reference),
            (RouteKind.Blob, "GET" or "HEAD") => BlobHandlers.GetAsync(context, repository, route.Reference),
            (RouteKind.Blob, "DELETE") => BlobHandlers.DeleteAsync(context, Writable(context, repository), route.Reference),
            (RouteKind.UploadStart, "POST") => UploadHandlers.StartAsync(context, Writable(context, repository)),
            (RouteKind.Upload, "GET") => UploadHandlers.StatusAsync(context, Writable(context, repository), route.Reference),
            (RouteKind.Upload, "PATCH") => UploadHandlers.PatchAsync(context, Writable(context, repository), route.Reference),
            (RouteKind.Upload, "PUT") => UploadHandlers.PutAsync(context, Writable(context, repository), route.Reference),
            (RouteKind.Upload, "DELETE") => UploadHandlers.CancelAsync(context, Writable(context, repository), route.Reference),
            (RouteKind.Tags, "GET") when repository.IsMirror => Forward(context, repository, route, DiscoveryHandlers.TagsAsync),
            (RouteKind.Tags, "GET") => DiscoveryHandlers.TagsAsync(context, repository),
            (RouteKind.Referrers, "GET") when repository.IsMirror =>
                Forward(context, repository, route, (c, r) => DiscoveryHandlers.ReferrersAsync(c, r, route.Reference)),
            (RouteKind.Referrers, "GET") => DiscoveryHandlers.ReferrersAsync(context, repository, route.Reference),
            _ => Unsupported(context),
        };
    }

    /// <summary>
    /// Listings of mirror repositories are forwarded to the upstream (YARP's forwarder), rebuilt from their
    /// validated parts, and fall back to what the cache holds when the upstream cannot answer.
    /// </summary>
    private static Task Forward(HttpContext context, Repository repository, RegistryRoute route, Func<HttpContext, Repository, Task> local) =>
        context.RequestServices.GetRequiredService<MirrorForwarder>().ForwardAsync(context, repository, route, local);

    /// <summary>
    /// Mirror repositories are caches of their upstream: clients cannot change them. No write is taken while
    /// the metadata database is not the file that was opened (<see cref="DatabaseFile"/>): it would be
    /// acknowledged and then lost at the next start.
    /// </summary>
    private static Repository Writable(HttpContext context, Repository repository)
    {
        if (repository.IsMirror)
        {
            throw RegistryErrors.MirrorReadOnly(repository);
        }

        if (context.RequestServices.GetRequiredService<DatabaseFile>().Probe() is not null)
        {
            throw new RegistryException(OciErrorCode.Unavailable, "the registry's metadata database is unavailable",
                "deleted or replaced while in use (see /readyz)");
        }

        return repository;
    }

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);

    private static Task Unsupported(HttpContext context) =>
        OciErrorWriter.WriteAsync(context, OciErrorCode.Unsupported, "the operation is unsupported",
            $"{context.Request.Method} {context.Request.Path}");
}
