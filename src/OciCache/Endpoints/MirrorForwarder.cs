using System.Globalization;
using System.Net;
using OciCache.Http;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Upstream;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace OciCache.Endpoints;

/// <summary>
/// Passes listings of mirror repositories (<c>tags/list</c>, <c>referrers</c>) to their upstream with YARP's
/// forwarder: nothing in them is cached, so the upstream's answer is streamed back as it is. The upstream
/// request is rebuilt from validated parts (<see cref="RegistryPath"/>): the repository's remote name, the
/// subject digest and the known query parameters <c>n</c>, <c>last</c> and <c>artifactType</c>; anything
/// malformed is refused with 400 before the upstream is contacted, anything else is dropped. Requests go
/// through the upstream's own handler chain (redirects followed, tokens added per host). Of the client's
/// headers only <c>Accept</c> and <c>User-Agent</c> are passed on, and a <c>Link</c> to the next page is
/// rewritten to the client's namespace. When the upstream cannot answer (breaker open, transport error, 5xx, 429, 401) the local
/// listing is served instead, with a Warning.
/// </summary>
internal sealed partial class MirrorForwarder(
    IHttpForwarder forwarder, UpstreamClient upstreams, UpstreamRules rules, OfflineSwitch offline, ILogger<MirrorForwarder> logger)
{
    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(15) };

    /// <exception cref="FailureException"><see cref="DigestInvalid"/>, <see cref="PageSizeInvalid"/> or <see cref="QueryInvalid"/>: nothing was forwarded.</exception>
    public async Task ForwardAsync(HttpContext context, Repository repository, RegistryRoute route, Func<HttpContext, Repository, Task> local)
    {
        var listing = Listing.Parse(context.Request.Query, route);
        if (rules.Check(repository, null) is { } denied)
        {
            throw new FailureException(denied);
        }

        var endpoint = upstreams.Endpoint(repository.Upstream!);
        if (offline.IsOn)
        {
            await local(context, repository); // what the cache holds, as it is: offline is a choice, not a failure
            return;
        }

        if (!endpoint.IsBroken)
        {
            var transformer = new ListingTransformer(repository, route, listing, endpoint);
            var error = await forwarder.SendAsync(context, endpoint.BaseUri.ToString(), endpoint.Invoker, RequestConfig, transformer);
            if (error == ForwarderError.None && !transformer.UseLocal)
            {
                return;
            }

            if (context.Response.HasStarted)
            {
                return; // the forwarder already failed the response; nothing honest can follow
            }

            LogFallback(repository.Name, error, transformer.UpstreamStatus);
            context.Response.Clear();
            RegistryMiddleware.Stamp(context.Response);
            context.Response.Headers["OCI-Namespace"] = repository.Upstream;
        }

        context.Response.Headers.Warning = "111 - \"Revalidation Failed\"";
        await local(context, repository);
    }

    /// <summary>What a listing request asks for, validated: the subject of referrers, the page, the artifact type filter.</summary>
    private sealed record Listing(Digest? Subject, PageQuery Page, string? ArtifactType)
    {
        public static Listing Parse(IQueryCollection query, RegistryRoute route)
        {
            Digest? subject = route.Kind == RouteKind.Referrers ? BlobHandlers.ParseDigest(route.Reference) : null;
            var n = query["n"].ToString();
            var last = query["last"].ToString();
            if (!PageQuery.IsValidN(n, out _))
            {
                throw new FailureException(new PageSizeInvalid("invalid page size", $"n={n}"));
            }

            if (!PageQuery.TryParse(n, last, out var page))
            {
                throw new FailureException(new QueryInvalid("invalid last", $"last={last} is neither a tag nor a digest"));
            }

            var artifactType = query["artifactType"].ToString();
            if (subject is null || artifactType.Length == 0)
            {
                return new Listing(subject, page, null);
            }

            return MediaTypes.IsValid(artifactType)
                ? new Listing(subject, page, artifactType)
                : throw new FailureException(new QueryInvalid("invalid artifactType", $"artifactType={artifactType} is not a media type"));
        }

        public RegistryPath UpstreamPath(Repository repository) => Subject is { } subject
            ? RegistryPath.Referrers(repository, subject, ArtifactType, Page)
            : RegistryPath.Tags(repository, Page);

        /// <summary>The same listing as the client addressed it (its name and <c>ns</c>), at <paramref name="page"/>.</summary>
        public string ClientPath(RegistryRoute route, PageQuery page, string ns)
        {
            var query = QueryString.Empty;
            if (page.N is { } n)
            {
                query = query.Add("n", n.ToString(CultureInfo.InvariantCulture));
            }

            query = page.Last is { } last ? query.Add("last", last) : query;
            query = ArtifactType is { } type ? query.Add("artifactType", type) : query;
            query = ns.Length > 0 ? query.Add("ns", ns) : query;
            return $"/v2/{route.Name}/{(Subject is { } subject ? $"referrers/{subject}" : "tags/list")}{query}";
        }
    }

    private sealed class ListingTransformer(Repository repository, RegistryRoute route, Listing listing, UpstreamEndpoint endpoint) : HttpTransformer
    {
        /// <summary>The client's headers an upstream may see: what it asks for (media types) and who asks.</summary>
        private static readonly string[] ForwardedRequestHeaders = ["Accept", "User-Agent"];

        public bool UseLocal { get; private set; }

        public int? UpstreamStatus { get; private set; }

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            // Only an allow-list of the client's headers goes on: its credentials, cookies, forwarding chain
            // (X-Forwarded-For, X-Registry-Auth, …) and anything else are the client's business with us,
            // never the upstream's. The handler chain adds the upstream's own Authorization per host.
            proxyRequest.Headers.Clear();
            foreach (var name in ForwardedRequestHeaders)
            {
                if (httpContext.Request.Headers.TryGetValue(name, out var values))
                {
                    proxyRequest.Headers.TryAddWithoutValidation(name, values.OfType<string>());
                }
            }

            proxyRequest.RequestUri = listing.UpstreamPath(repository).ResolveAgainst(endpoint);
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            UpstreamStatus = (int?)proxyResponse?.StatusCode;
            // A redirect the handler chain did not follow (refused, or not one it follows) is no listing: its
            // body never reaches the client.
            if (proxyResponse is null || proxyResponse.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                    or HttpStatusCode.TooManyRequests || (int)proxyResponse.StatusCode is >= 300 and < 400 or >= 500)
            {
                UseLocal = true;
                return false;
            }

            await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            var headers = httpContext.Response.Headers;
            headers.Remove("Set-Cookie");
            headers.Remove("WWW-Authenticate");
            headers["OCI-Namespace"] = repository.Upstream;
            if (headers.Link.Count > 0)
            {
                // The next page as the client addresses it; a link that names no page we could ask for is dropped.
                if (LinkHeader.FindNext(headers.Link.OfType<string>()) is { } target && PageQuery.TryFromLinkTarget(target, out var next))
                {
                    headers.Link = LinkHeader.Next(listing.ClientPath(route, next, httpContext.Request.Query["ns"].ToString()));
                }
                else
                {
                    headers.Remove("Link");
                }
            }

            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream listing for {Repository} failed ({Error}, status {Status}); serving the cached listing")]
    private partial void LogFallback(string repository, ForwarderError error, int? status);
}
