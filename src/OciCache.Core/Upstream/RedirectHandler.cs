namespace OciCache.Upstream;

/// <summary>
/// Follows redirects inside the cache (registries send blobs, and registry.k8s.io everything, to CDNs and
/// buckets), so clients never see them and bytes are cached. Each hop is a fresh request with the
/// original's headers but never an Authorization header: the auth handler below decides, per host, what
/// a hop may carry. Redirect targets are not remembered: signed URLs expire.
/// Only http(s) targets are followed, and only to hosts <see cref="DestinationPolicy"/> allows (checked
/// where the connection is made). A redirect that is refused, or that is still a redirect after the
/// last hop, fails the request with an <see cref="HttpRequestException"/> carrying a
/// <see cref="RedirectRefusedException"/>: neither the redirect nor its body reaches the caller. The
/// forwarder answers such a failure itself (a listing falls back to what the cache holds), the upstream
/// client reports it as an unreachable upstream with the reason, and the retry and the breaker treat it as
/// any failed request.
/// </summary>
internal sealed class RedirectHandler(int maxRedirects = 5) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var current = request;
        for (var hop = 0; hop < maxRedirects && UpstreamHttpStatus.IsRedirect(response) && response.Headers.Location is { } location; hop++)
        {
            var target = location.IsAbsoluteUri ? location : new Uri(current.RequestUri!, location);
            if (!DestinationPolicy.IsFollowableScheme(target))
            {
                response.Dispose();
                throw RedirectRefusedException.Failing($"redirect to a {target.Scheme} URL refused");
            }

            var method = UpstreamHttpStatus.IsSeeOther(response) && current.Method != HttpMethod.Head ? HttpMethod.Get : current.Method;
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
            response = await base.SendAsync(current, cancellationToken); // a refused destination fails here, inside an HttpRequestException
        }

        if (UpstreamHttpStatus.IsRedirect(response))
        {
            response.Dispose();
            throw RedirectRefusedException.Failing($"more than {maxRedirects} redirects");
        }

        return response;
    }
}
