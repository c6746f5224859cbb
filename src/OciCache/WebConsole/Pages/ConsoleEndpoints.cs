using OciCache.Access;
using OciCache.Auth;
using OciCache.Lifecycle;
using OciCache.Storage;
using OciCache.Oci;

namespace OciCache.WebConsole.Pages;

/// <summary>
/// The console's pages at <c>/</c> and <c>/ui/…</c>: server-rendered HTML from the same data as <c>/api/</c>.
/// They read what the viewer may read (<see cref="ConsoleViewer"/>); the admin page asks for the admin group
/// as its API does.
/// </summary>
internal static class ConsoleEndpoints
{
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", static context =>
        {
            context.Response.Redirect("/ui/overview");
            return Task.CompletedTask;
        });
        app.MapGet("/ui", static context =>
        {
            context.Response.Redirect("/ui/overview");
            return Task.CompletedTask;
        });
        app.MapGet("/ui/overview", OverviewAsync);
        app.MapGet("/ui/storage", StorageAsync);
        app.MapGet("/ui/repositories", RepositoriesAsync);
        app.MapGet("/ui/repositories/{**name}", TagsAsync);
        app.MapGet("/ui/prefetch", PrefetchAsync);
        app.MapGet("/ui/admin", AdminAsync);
        app.MapConsoleAssets();
        return app;
    }

    private static async Task OverviewAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        var history = context.RequestServices.GetRequiredService<TrafficHistory>();
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await WriteAsync(context, OverviewPage.Render(OverviewData.Read(context.RequestServices),
            await history.ReadLiveAsync(TrafficResolution.Minute), await history.ReadLiveAsync(TrafficResolution.Hour), now, viewer));
    }

    private static async Task StorageAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        await WriteAsync(context, StoragePage.Render(await StorageData.ReadAsync(context, viewer), viewer));
    }

    private static async Task RepositoriesAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        var query = context.Request.Query["q"].ToString();
        var last = context.Request.Query["last"].ToString();
        var page = await RepositoryPage.ReadAsync(context, viewer, query, last.Length > 0 ? last : null, 50);
        await WriteAsync(context, RepositoriesPage.RenderList(page, query, viewer));
    }

    private static async Task TagsAsync(HttpContext context)
    {
        var name = context.Request.RouteValues["name"] as string ?? "";
        var viewer = await ConsoleViewer.ResolveAsync(context);
        var tags = await RepositoryTags.ReadAsync(context, viewer, name)
                   ?? throw new FailureException(new NameUnknown(name));
        await WriteAsync(context, RepositoriesPage.RenderTags(tags, PullCommands.From(context), viewer));
    }

    private static async Task PrefetchAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        await WriteAsync(context, PrefetchPage.Render(context.RequestServices.GetRequiredService<PrefetchRuns>(), viewer));
    }

    private static async Task AdminAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        IReadOnlyList<RobotAccount> robots = [];
        IReadOnlyList<AuditLine> audit = [];
        IReadOnlyList<ApiKey> everyonesKeys = [];
        IReadOnlyList<ApiKey> keys = viewer is { SignedIn: true, Caller.Identity: { } person }
            ? await context.RequestServices.GetRequiredService<IApiKeys>().ListAsync(person.Name, context.RequestAborted)
            : [];
        var query = context.Request.Query;
        var filter = new AuditFilter(query["action"].ToString(), query["who"].ToString(), query["repository"].ToString());
        if (viewer.IsAdmin)
        {
            var access = context.RequestServices.GetRequiredService<AccessControl>();
            robots = await context.RequestServices.GetRequiredService<IRobotAccounts>().ListAsync(context.RequestAborted);
            everyonesKeys = await context.RequestServices.GetRequiredService<IApiKeys>().ListAllAsync(context.RequestAborted);
            audit = await AuditReader.ReadAsync(context.RequestServices, access.Settings.AuditLog, filter, 200, context.RequestAborted);
        }

        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await WriteAsync(context, AdminPage.Render(robots, keys, everyonesKeys, audit, filter, now, viewer));
    }

    private static async Task WriteAsync(HttpContext context, string html)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(html);
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }
}
