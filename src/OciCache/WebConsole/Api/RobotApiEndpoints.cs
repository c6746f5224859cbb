using OciCache.Access;
using OciCache.Auth;
using OciCache.Http;
using OciCache.Oci;

namespace OciCache.WebConsole.Api;

/// <summary>
/// Robot accounts through the console's API (admins only, as <c>ocicache robot</c> on the command line): list
/// (never a secret), create (the secret in this one answer, <c>no-store</c>), remove. Audited as
/// <c>robot.add</c> and <c>robot.remove</c>, with the admin as <c>who</c>.
/// </summary>
internal static class RobotApiEndpoints
{
    public static IEndpointRouteBuilder MapRobotApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/robots", RobotsAsync);
        app.MapPost("/api/robots", AddRobotAsync);
        app.MapDelete("/api/robots/{name}", RemoveRobotAsync);
        return app;
    }

    private static async Task RobotsAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        IReadOnlyList<RobotAccount> robots = [];
        if (viewer.AccessControl)
        {
            await context.RequestServices.GetRequiredService<AccessControl>().DemandAdminAsync(context);
            robots = await context.RequestServices.GetRequiredService<IRobotAccounts>().ListAsync(context.RequestAborted);
        }

        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await JsonBody.WriteAsync(context, w => AdminJson.WriteRobots(w, robots, now, viewer));
    }

    private static async Task AddRobotAsync(HttpContext context)
    {
        await AdminApiEndpoints.DemandChangeAsync(context);
        var request = RobotRequest.Parse(await AdminApiEndpoints.ReadBodyAsync(context), context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        var robots = context.RequestServices.GetRequiredService<IRobotAccounts>();
        RobotAccount account;
        string secret;
        try
        {
            (account, secret) = await robots.AddAsync(request.Name, request.Scopes, request.ExpiresAt, context.RequestAborted);
        }
        catch (RobotAccountExistsException)
        {
            AdminApiEndpoints.Audit(context, "robot.add", "exists", request.Name, "failed");
            throw new FailureException(new RequestInvalid($"robot {request.Name} exists: remove it first"));
        }

        AdminApiEndpoints.Audit(context, "robot.add", $"scopes {string.Join(' ', request.Scopes)}", request.Name);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.CacheControl = "no-store";
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await JsonBody.WriteAsync(context, w => AdminJson.WriteCreated(w, account, secret, now));
    }

    private static async Task RemoveRobotAsync(HttpContext context)
    {
        var name = context.Request.RouteValues["name"] as string ?? "";
        await AdminApiEndpoints.DemandChangeAsync(context);
        var bare = name.StartsWith(RobotAccount.UserNamePrefix, StringComparison.Ordinal) ? name[RobotAccount.UserNamePrefix.Length..] : name;
        if (!await context.RequestServices.GetRequiredService<IRobotAccounts>().RemoveAsync(bare, context.RequestAborted))
        {
            AdminApiEndpoints.Audit(context, "robot.remove", "no such account", bare, "failed");
            throw new FailureException(new NameUnknown("no such robot account", bare));
        }

        AdminApiEndpoints.Audit(context, "robot.remove", null, bare);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
