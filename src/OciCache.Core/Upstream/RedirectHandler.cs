namespace OciCache.Upstream;

/// <summary>
/// Follows redirects inside the cache (registries send blobs, and registry.k8s.io everything, to CDNs and
/// buckets), so clients never see them and bytes are cached. Each hop is a fresh request with the
/// original's headers but never an Authorization header: the auth handler below decides, per host, what
/// a hop may carry. Redirect targets are not remembered: signed URLs expire.
/// Only http(s) targets are followed, and only to hosts <see cref="DestinationPolicy"/> allows (checked
/// where the connection is made). A redirect that is refused, or that is still a redirect after the
/// last hop, comes back as a bodiless 502: neither the redirect nor its body reaches the caller (the
/// forwarder streams what it gets to the client).
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
                return UpstreamHttpStatus.RefusedRedirect(current, $"redirect to a {target.Scheme} URL refused");
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
            try
            {
                response = await base.SendAsync(current, cancellationToken);
            }
            catch (HttpRequestException e) when (e.InnerException is DestinationRefusedException refused)
            {
                return UpstreamHttpStatus.RefusedRedirect(current, refused.Message);
            }
        }

        if (UpstreamHttpStatus.IsRedirect(response))
        {
            response.Dispose();
            return UpstreamHttpStatus.RefusedRedirect(current, $"more than {maxRedirects} redirects");
        }

        return response;
    }
}
