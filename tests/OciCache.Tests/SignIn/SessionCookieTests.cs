using Microsoft.AspNetCore.Http;
using OciCache.Access;

namespace OciCache.Tests.SignIn;

public sealed class SessionCookieTests
{
    [Fact]
    public void Write_Https_HostPrefixedSecureHttpOnlyLax()
    {
        var header = Written(https: true);

        Assert.StartsWith("__Host-ocicache-session=abc", header, StringComparison.Ordinal);
        Assert.Contains("path=/", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", header, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", header, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Write_Http_PlainNameNotSecure()
    {
        var header = Written(https: false);

        Assert.StartsWith("ocicache-session=abc", header, StringComparison.Ordinal);
        Assert.DoesNotContain("secure", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", header, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Read_CookieOfTheOtherScheme_Ignored()
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "https";
        context.Request.Headers.Cookie = "ocicache-session=abc";

        Assert.Null(SessionCookie.Read(context.Request));
    }

    private static string Written(bool https)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = https ? "https" : "http";
        SessionCookie.Write(context, "abc");
        return context.Response.Headers.SetCookie.ToString();
    }
}
