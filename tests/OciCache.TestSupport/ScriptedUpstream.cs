using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OciCache.Testing;

/// <summary>
/// A real Kestrel upstream on 127.0.0.1 whose every <c>/v2/…</c> answer is written by the test: for an
/// upstream that sends what no registry would (invalid UTF-8, odd content types). Records the paths asked.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<string> _paths = [];

    private ScriptedUpstream(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Paths (with query) requested so far, oldest first.</summary>
    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_paths)
            {
                return [.. _paths];
            }
        }
    }

    public static async Task<ScriptedUpstream> StartAsync(Func<HttpContext, Task> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new ScriptedUpstream(app);
        app.Run(context =>
        {
            lock (upstream._paths)
            {
                upstream._paths.Add(context.Request.Path + context.Request.QueryString);
            }

            return respond(context);
        });
        await app.StartAsync();
        upstream.Url = app.Urls.First();
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
