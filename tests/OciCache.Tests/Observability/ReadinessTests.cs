using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OciCache.Storage;
using OciCache.Telemetry;
using OciCache.Upstream;

namespace OciCache.Tests.Observability;

public sealed class ReadinessTests
{
    /// <summary>The server's own services, with a lifetime of the test's that is stopping (or not).</summary>
    private static async Task<(int Status, string Body)> ReadyzAsync(RegistryServer server, bool stopping)
    {
        using var lifetime = new TestLifetime(stopping);
        await using var services = new ServiceCollection()
            .AddSingleton(server.Services.GetRequiredService<IMetadataHealth>())
            .AddSingleton(server.Services.GetRequiredService<IBlobStore>())
            .AddSingleton(server.Services.GetRequiredService<OfflineSwitch>())
            .AddSingleton<IHostApplicationLifetime>(lifetime)
            .BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await ReadinessEndpoint.WriteAsync(context);
        return (context.Response.StatusCode, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task Readyz_WhileShuttingDown_Answers503_OtherwiseOk()
    {
        await using var server = await RegistryServer.StartAsync();
        Assert.Equal((200, "ok"), await ReadyzAsync(server, stopping: false));
        Assert.Equal((503, "not ready: the server is shutting down"), await ReadyzAsync(server, stopping: true));
    }

    private sealed class TestLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public TestLifetime(bool stopping)
        {
            if (stopping)
            {
                _stopping.Cancel();
            }
        }

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();

        public void Dispose() => _stopping.Dispose();
    }
}
