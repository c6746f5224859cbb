using OciCache.Http;
using OciCache.Storage;
using OciCache.Oci;

namespace OciCache.WebConsole.Api;

/// <summary>
/// The console's JSON API under <c>/api/</c> (beside <c>/api/offline</c> of the management endpoints): the
/// figures the console pages show, for scripts too. Reads of repository data show only what the caller
/// may pull; robots and the audit log only to the admin group; changes need the admin group and access
/// control on (with it off the console and these endpoints change nothing). Errors are OCI error JSON.
/// </summary>
internal static class ConsoleApiEndpoints
{
    public static IEndpointRouteBuilder MapConsoleApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/overview", OverviewAsync);
        app.MapGet("/api/history", HistoryAsync);
        app.MapGet("/api/storage", StorageAsync);
        app.MapGet("/api/repositories", RepositoriesAsync);
        app.MapGet("/api/repositories/{**path}", TagsAsync);
        app.MapGet("/api/prefetch", PrefetchAsync);
        app.MapAdminApi();
        return app;
    }

    private static async Task OverviewAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        var data = OverviewData.Read(context.RequestServices);
        await JsonBody.WriteAsync(context, w => OverviewJson.Write(w, data, viewer));
    }

    private static async Task HistoryAsync(HttpContext context)
    {
        var range = context.Request.Query["range"].ToString() is { Length: > 0 } given ? given : "24h";
        var resolution = range switch
        {
            "24h" => TrafficResolution.Minute,
            "7d" => TrafficResolution.Hour,
            _ => throw new FailureException(new QueryInvalid("invalid range", $"range={range}: 24h or 7d")),
        };
        var history = context.RequestServices.GetRequiredService<TrafficHistory>();
        var buckets = await history.ReadLiveAsync(resolution); // up to this request, not the last minute's tick
        await JsonBody.WriteAsync(context, w => OverviewJson.WriteHistory(w, range, resolution, buckets));
    }

    private static async Task StorageAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        var data = await StorageData.ReadAsync(context, viewer);
        await JsonBody.WriteAsync(context, w => StorageJson.Write(w, data, viewer));
    }

    private static async Task RepositoriesAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        var query = context.Request.Query;
        var limit = query["n"].ToString() is { Length: > 0 } n
            ? int.TryParse(n, out var parsed) && parsed is > 0 and <= RepositoryPage.MaxPageSize
                ? parsed
                : throw new FailureException(new PageSizeInvalid("invalid n", $"n={n}: 1 to {RepositoryPage.MaxPageSize}"))
            : 50;
        var page = await RepositoryPage.ReadAsync(context, viewer, query["q"].ToString(), query["last"].ToString() is { Length: > 0 } last ? last : null, limit);
        await JsonBody.WriteAsync(context, w => RepositoryJson.WritePage(w, page, viewer));
    }

    /// <summary><c>/api/repositories/{name}/tags</c>; the name has slashes, so the route takes the rest of the path.</summary>
    private static async Task TagsAsync(HttpContext context)
    {
        var path = context.Request.RouteValues["path"] as string ?? "";
        if (!path.EndsWith("/tags", StringComparison.Ordinal) || path.Length <= "/tags".Length)
        {
            throw new FailureException(new NameUnknown("expected /api/repositories/<name>/tags"));
        }

        var name = path[..^"/tags".Length];
        var viewer = await ConsoleViewer.ResolveAsync(context);
        var tags = await RepositoryTags.ReadAsync(context, viewer, name)
                   ?? throw new FailureException(new NameUnknown(name));
        var commands = PullCommands.From(context);
        await JsonBody.WriteAsync(context, w => RepositoryJson.WriteTags(w, tags, commands, viewer));
    }

    private static async Task PrefetchAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        var runs = context.RequestServices.GetRequiredService<Lifecycle.PrefetchRuns>();
        await JsonBody.WriteAsync(context, w => AdminJson.WritePrefetch(w, runs, viewer));
    }
}
