using OciCache.Hosting;
using OciCache.Settings;
using OciCache.Telemetry;

namespace OciCache.Tests.Hosting;

public sealed class UrlRedactionTests
{
    [Theory]
    [InlineData("http://user:pass@host:5000/v2", "http://user:***@host:5000/v2")]
    [InlineData("https://user:p%40ss:word@registry.example", "https://user:***@registry.example")]
    [InlineData("http://token@host", "http://token@host")]
    [InlineData("https://registry-1.docker.io", "https://registry-1.docker.io")]
    [InlineData("http://host/path@with-at", "http://host/path@with-at")]
    [InlineData("user:pass@host", "user:***@host")]
    [InlineData("", "")]
    public void Redact_HidesThePassword(string url, string printed) => Assert.Equal(printed, UrlRedaction.Redact(url));
}
