using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OciCache.Http;
using OciCache.Testing;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace OciCache.Tests.Http;

public sealed class RegistryMiddlewareTests
{
    private const string Secret = "s3cret-pass-4711";

    [Fact]
    public async Task UnhandledException_BodyNamesOnlyTheRequest_LogHasTheException()
    {
        var log = new CapturedLog();
        using var factory = new SerilogLoggerFactory(new LoggerConfiguration().WriteTo.Sink(log).CreateLogger(), dispose: true);
        var middleware = new RegistryMiddleware(
            _ => throw new InvalidOperationException($"connection string Password={Secret} rejected"),
            factory.CreateLogger<RegistryMiddleware>());
        var context = new DefaultHttpContext { TraceIdentifier = "0HN-test:00000001" };
        context.Request.Method = "GET";
        context.Request.Path = "/v2/site/app/manifests/latest";
        context.Response.Body = new MemoryStream();

        await middleware.InvokeAsync(context);

        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Equal(500, context.Response.StatusCode);
        Assert.Contains("\"UNKNOWN\"", body);
        Assert.Contains("0HN-test:00000001", body);
        Assert.DoesNotContain("InvalidOperationException", body);
        Assert.DoesNotContain(Secret, body);
        Assert.True(log.Contains(LogEventLevel.Error, "0HN-test:00000001"), string.Join('\n', log.Events));
    }
}
