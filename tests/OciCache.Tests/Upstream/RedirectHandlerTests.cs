using System.Net;
using System.Net.Http;
using OciCache.Upstream;

namespace OciCache.Tests.Upstream;

/// <summary>
/// The handler's contract with everything above it: a redirect it does not follow fails the request with the
/// reason, and nothing of the redirect (status, location, body) comes back as a response.
/// </summary>
public sealed class RedirectHandlerTests
{
    [Fact]
    public async Task SendAsync_EndlessRedirects_FailsTheRequestWithTheReason()
    {
        using var invoker = new HttpMessageInvoker(new RedirectHandler(maxRedirects: 3) { InnerHandler = new Redirecting("http://upstream.test/next") });

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() =>
            invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://upstream.test/v2/"), CancellationToken.None));

        Assert.IsType<RedirectRefusedException>(failure.InnerException);
        Assert.Equal("more than 3 redirects", FailureText.Describe(failure));
    }

    [Fact]
    public async Task SendAsync_RedirectToAnotherScheme_FailsTheRequestWithoutFollowing()
    {
        var inner = new Redirecting("file:///etc/passwd");
        using var invoker = new HttpMessageInvoker(new RedirectHandler() { InnerHandler = inner });

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() =>
            invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://upstream.test/v2/"), CancellationToken.None));

        Assert.Equal("redirect to a file URL refused", FailureText.Describe(failure));
        Assert.Equal(1, inner.Requests);
    }

    /// <summary>An upstream that answers every request with a 302 to <paramref name="location"/>.</summary>
    private sealed class Redirecting(string location) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            var response = new HttpResponseMessage(HttpStatusCode.Found) { RequestMessage = request, Content = new StringContent("redirect-body") };
            response.Headers.Location = new Uri(location);
            return Task.FromResult(response);
        }
    }
}
