using System.Net.Http;
using System.Net.Sockets;
using OciCache.Upstream;

namespace OciCache.Tests.Upstream;

public sealed class FailureTextTests
{
    public static TheoryData<Exception, string> Failures => new()
    {
        { new HttpRequestException(HttpRequestError.ConnectionError, "net_http_connection_error", new SocketException((int)SocketError.ConnectionRefused)), "connection refused" },
        { new IOException("net_io_readfailure", new SocketException((int)SocketError.ConnectionReset)), "connection reset" },
        { new HttpRequestException(HttpRequestError.InvalidResponse, "net_http_invalid_response"), "invalid HTTP response" },
        { new HttpIOException(HttpRequestError.ResponseEnded, "net_http_response_ended"), "response ended early" },
        { new HttpRequestException(HttpRequestError.ConnectionError, "x", new DestinationRefusedException("127.0.0.1", 80)), new DestinationRefusedException("127.0.0.1", 80).Message },
        { RedirectRefusedException.Failing("more than 5 redirects"), "more than 5 redirects" },
        { new IOException("net_io_readfailure"), "transfer failed" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Describe_ByKind_NeverByMessage(Exception failure, string text)
    {
        Assert.Equal(text, FailureText.Describe(failure));
        Assert.DoesNotContain("net_", FailureText.Describe(failure));
    }
}
