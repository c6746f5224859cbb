using System.Net;
using OciCache.Http;
using OciCache.Registry;
using OciCache.Upstream;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace OciCache.Endpoints;

/// <summary>
/// Passes listings of mirror repositories (<c>tags/list</c>, <c>referrers</c>) to their upstream with YARP's
/// forwarder: nothing in them is cached, so the upstream's answer is streamed back as it is. Requests go
/// through the upstream's own handler chain (redirects followed, tokens added per host). The client's
/// credentials and cookies are stripped, and a <c>Link</c> to the next page is rewritten to the client's
/// namespace. When the upstream cannot answer (breaker open, transport error, 5xx, 429, 401) the local
/// listing is served instead, with a Warning.
/// </summary>
internal sealed partial class MirrorForwarder(IHttpForwarder forwarder, UpstreamClient upstreams, ILogger<MirrorForwarder> logger)
{
    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(15) };

    public async Task ForwardAsync(HttpContext context, Repository repository, RegistryRoute route, Func<HttpContext, Repository, Task> local)
    {
        var endpoint = upstreams.Endpoint(repository.Upstream!);
        if (!endpoint.IsBroken)
        {
            var transformer = new ListingTransformer(repository, route, endpoint.BaseUri);
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
            context.Response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
            context.Response.Headers["OCI-Namespace"] = repository.Upstream;
        }

        context.Response.Headers.Warning = "111 - \"Revalidation Failed\"";
        await local(context, repository);
    }

    private sealed class ListingTransformer(Repository repository, RegistryRoute route, Uri baseUri) : HttpTransformer
    {
        public bool UseLocal { get; private set; }

        public int? UpstreamStatus { get; private set; }

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            // Client credentials and cookies are the client's business with us, never the upstream's.
            proxyRequest.Headers.Authorization = null;
            proxyRequest.Headers.Remove("Cookie");
            proxyRequest.Headers.Remove("Proxy-Authorization");
            var query = QueryString.Empty;
            foreach (var (key, value) in httpContext.Request.Query)
            {
                if (key != "ns")
                {
                    query = query.Add(key, value.ToString());
                }
            }

            var suffix = route.Kind == RouteKind.Tags ? "tags/list" : $"referrers/{route.Reference}";
            proxyRequest.RequestUri = new Uri(baseUri, $"v2/{repository.RemoteName}/{suffix}{query}");
            proxyRequest.Headers.Host = null;
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            UpstreamStatus = (int?)proxyResponse?.StatusCode;
            if (proxyResponse is null || proxyResponse.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                    or HttpStatusCode.TooManyRequests || (int)proxyResponse.StatusCode >= 500)
            {
                UseLocal = true;
                return false;
            }

            await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            var headers = httpContext.Response.Headers;
            headers.Remove("Set-Cookie");
            headers.Remove("WWW-Authenticate");
            headers["OCI-Namespace"] = repository.Upstream;
            if (headers.Link.ToString() is { Length: > 0 } link)
            {
                headers.Link = RewriteLink(link, httpContext.Request.Query["ns"].ToString());
            }

            return true;
        }

        /// <summary>Points the upstream's next-page link at the same listing as the client addressed it.</summary>
        private string RewriteLink(string link, string ns)
        {
            var start = link.IndexOf('<');
            var end = link.IndexOf('>', start + 1);
            if (start < 0 || end < 0)
            {
                return link;
            }

            var target = link[(start + 1)..end];
            var question = target.IndexOf('?');
            var query = question >= 0 ? target[question..] : "";
            if (ns.Length > 0)
            {
                query += (query.Length == 0 ? "?" : "&") + "ns=" + Uri.EscapeDataString(ns);
            }

            var suffix = route.Kind == RouteKind.Tags ? "tags/list" : $"referrers/{route.Reference}";
            return $"{link[..start]}</v2/{route.Name}/{suffix}{query}>{link[(end + 1)..]}";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream listing for {Repository} failed ({Error}, status {Status}); serving the cached listing")]
    private partial void LogFallback(string repository, ForwarderError error, int? status);
}
