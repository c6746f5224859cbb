using System.Net;

namespace OciCache.Upstream;

/// <summary>
/// Follows redirects inside the cache (registries send blobs, and registry.k8s.io everything, to CDNs and
/// buckets), so clients never see them and bytes are cached. Each hop is a fresh request with the
/// original's headers but never an Authorization header: the auth handler below decides, per host, what
/// a hop may carry. Redirect targets are not remembered: signed URLs expire.
/// </summary>
internal sealed class RedirectHandler(int maxRedirects = 5) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var current = request;
        for (var hop = 0; hop < maxRedirects && IsRedirect(response.StatusCode) && response.Headers.Location is { } location; hop++)
        {
            var target = location.IsAbsoluteUri ? location : new Uri(current.RequestUri!, location);
            if (target.Scheme is not ("http" or "https"))
            {
                break;
            }

            var method = response.StatusCode == HttpStatusCode.SeeOther && current.Method != HttpMethod.Head ? HttpMethod.Get : current.Method;
            var next = new HttpRequestMessage(method, target) { Version = current.Version };
            foreach (var (name, value) in request.Headers.NonValidated)
            {
                if (!name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && !name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                {
                    next.Headers.TryAddWithoutValidation(name, value);
                }
            }

            response.Dispose();
            if (!ReferenceEquals(current, request))
            {
                current.Dispose();
            }

            current = next;
            response = await base.SendAsync(current, cancellationToken);
        }

        return response;
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
}
