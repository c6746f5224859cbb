using Microsoft.AspNetCore.Http;
using OciCache.Access;
using OciCache.Auth;
using OciCache.SignIn;
using OciCache.Telemetry;

namespace OciCache.Tests.SignIn;

/// <summary>The small checks at the edge: return URLs, the origin check, and what the request log prints.</summary>
public sealed class SignInEdgeTests
{
    [Theory]
    [InlineData("/ui/storage?x=1", "/ui/storage?x=1")]
    [InlineData("/", "/")]
    [InlineData("//evil.example/x", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("", "/")]
    [InlineData(null, "/")]
    [InlineData("/\u2028x", "/%E2%80%A8x")]
    [InlineData("/caf\u00e9?q=\u00fc", "/caf%C3%A9?q=%C3%BC")]
    [InlineData("/a b", "/a%20b")]
    [InlineData("/%E2%80%A8x", "/%E2%80%A8x")]
    [InlineData("//\u00e9vil.example", "/")]
    public void LocalReturnUrl_Text_OnlyLocalPaths(string? url, string expected)
    {
        Assert.Equal(expected, SignInPage.LocalReturnUrl(url));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", null, true)]
    [InlineData("http://127.0.0.1:5001", null, false)]
    [InlineData("https://evil.example", null, false)]
    [InlineData("null", null, false)]
    [InlineData(null, "http://127.0.0.1:5000/ui/keys", true)]
    [InlineData(null, "https://evil.example/ui/keys", false)]
    [InlineData(null, null, false)]
    [InlineData("https://console.lan", null, true)]
    public void IsSameOrigin_Headers_OnlyTheConsolesOwn(string? origin, string? referer, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1:5000");
        if (origin is not null)
        {
            context.Request.Headers.Origin = origin;
        }

        if (referer is not null)
        {
            context.Request.Headers.Referer = referer;
        }

        Assert.Equal(expected, CsrfCheck.IsSameOrigin(context, new AuthSettings { ExternalUrl = "https://console.lan/" }));
    }

    [Fact]
    public void LoggedQuery_CallbackCodeAndState_Redacted()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString("?code=SECRET-CODE&state=SECRET-STATE&iss=http%3A%2F%2Fid");

        var logged = RequestLogMiddleware.LoggedQuery(context.Request);

        Assert.Equal("?code=***&state=***&iss=http%3A%2F%2Fid", logged);
    }

    [Fact]
    public void LoggedQuery_NothingSecret_AsGiven()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString("?n=10&last=a%2Fb");

        Assert.Equal("?n=10&last=a%2Fb", RequestLogMiddleware.LoggedQuery(context.Request));
    }
}
