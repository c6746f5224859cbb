namespace OciCache.Upstream;

/// <summary>
/// A redirect the cache does not follow: not http(s), or still a redirect after the last hop. Carried
/// inside an <see cref="HttpRequestException"/>, so every caller of the handler chain (the forwarder, the
/// upstream client, the retry and the breaker) sees a failed request; <see cref="FailureText"/> reports
/// the reason, which is the cache's own text.
/// </summary>
internal sealed class RedirectRefusedException(string reason) : Exception(reason)
{
    public static HttpRequestException Failing(string reason) => new("redirect refused", new RedirectRefusedException(reason));
}
