using OciCache.Access;
using OciCache.Auth;
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

    private static async Task Dispatch(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var rest = path.Length > 4 ? path[4..] : "";
        if (!RegistryRoute.TryParse(rest, out var route))
        {
            await FailureResponses.WriteAsync(context, new NameUnknown("unknown registry path", path));
            return;
        }

        OciCache.Telemetry.RequestDurations.SetOperation(context, route.Kind);
        var method = context.Request.Method;
        BodyLimits.ForRegistry(context, route.Kind, method);
        var access = context.RequestServices.GetRequiredService<AccessControl>();
        if (route.Kind == RouteKind.Base)
        {
            await (IsRead(method) ? BaseAsync(context, access) : Unsupported(context));
            return;
        }

        if (route.Kind == RouteKind.Catalog)
        {
            await (IsRead(method) ? CatalogAsync(context, access) : Unsupported(context));
            return;
        }

        var repository = context.RequestServices.GetRequiredService<RepositoryResolver>().Resolve(context, route.Name);
        if (Needed(route.Kind, method) is var needed and not AccessActions.None)
        {
            var reference = route.Kind is RouteKind.Manifest or RouteKind.Blob or RouteKind.Referrers ? route.Reference : null;
            await access.DemandAsync(context, repository, needed, reference);
        }

        await ((route.Kind, method) switch
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
        });
    }

    /// <summary>
    /// The action a request needs: reads pull; uploads and manifest PUTs push; DELETEs of manifests and blobs
    /// delete. Anything else needs nothing here (it is answered UNSUPPORTED).
    /// </summary>
    private static AccessActions Needed(RouteKind kind, string method) => (kind, method) switch
    {
        (RouteKind.Manifest or RouteKind.Blob, "GET" or "HEAD") => AccessActions.Pull,
        (RouteKind.Tags or RouteKind.Referrers, "GET") => AccessActions.Pull,
        (RouteKind.Manifest, "PUT") => AccessActions.Push,
        (RouteKind.UploadStart, "POST") or (RouteKind.Upload, "GET" or "PATCH" or "PUT" or "DELETE") => AccessActions.Push,
        (RouteKind.Manifest or RouteKind.Blob, "DELETE") => AccessActions.Delete,
        _ => AccessActions.None,
    };

    /// <summary>
    /// <c>/v2/</c>: 200 when the caller signed in, or when anonymous callers may do anything (then with the
    /// Bearer challenge as a header, so clients that learn the token flow from this ping, such as skopeo and
    /// podman, fetch tokens); 401 with the challenge when nothing is open to anonymous callers.
    /// </summary>
    private static async Task BaseAsync(HttpContext context, AccessControl access)
    {
        if (access.Enabled && (await access.AuthenticateAsync(context)).Identity is null)
        {
            if (!access.Policy.AnonymousGrantsAnything)
            {
                throw access.Challenge(context, null, null);
            }

            context.Response.Headers.WWWAuthenticate = access.ChallengeHeader(context);
        }

        await JsonBody.WriteAsync(context, w => { w.WriteStartObject(); w.WriteEndObject(); });
    }

    /// <summary>The catalog lists only the repositories the caller may pull.</summary>
    private static async Task CatalogAsync(HttpContext context, AccessControl access)
    {
        if (!access.Enabled)
        {
            await DiscoveryHandlers.CatalogAsync(context, null);
            return;
        }

        var caller = await access.ResolveAsync(context);
        var router = context.RequestServices.GetRequiredService<RepositoryRouter>();
        await DiscoveryHandlers.CatalogAsync(context, name =>
        {
            try
            {
                return access.Allowed(caller, router.Route(name, null)).HasFlag(AccessActions.Pull);
            }
            catch (FailureException)
            {
                return false;
            }
        });
    }

    /// <summary>
    /// Listings of mirror repositories are forwarded to the upstream (YARP's forwarder), rebuilt from their
    /// validated parts, and fall back to what the cache holds when the upstream cannot answer.
    /// </summary>
    private static Task Forward(HttpContext context, Repository repository, RegistryRoute route, Func<HttpContext, Repository, Task> local) =>
        context.RequestServices.GetRequiredService<MirrorForwarder>().ForwardAsync(context, repository, route, local);

    /// <summary>
    /// Mirror repositories are caches of their upstream: clients cannot change them. No write is taken while
    /// the metadata database is not the file that was opened (<see cref="IMetadataHealth.WriteRefusal"/>): it would be
    /// acknowledged and then lost at the next start.
    /// </summary>
    private static Repository Writable(HttpContext context, Repository repository)
    {
        if (repository.IsMirror)
        {
            throw new FailureException(new MirrorReadOnly(repository.Name, repository.Upstream));
        }

        if (context.RequestServices.GetRequiredService<IMetadataHealth>().WriteRefusal is not null)
        {
            throw new FailureException(new StorageUnavailable("the registry's metadata database is unavailable", "deleted or replaced while in use (see /readyz)"));
        }

        return repository;
    }

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);

    private static Task Unsupported(HttpContext context) =>
        FailureResponses.WriteAsync(context, new Unsupported("the operation is unsupported",
            $"{context.Request.Method} {context.Request.Path}"));
}
