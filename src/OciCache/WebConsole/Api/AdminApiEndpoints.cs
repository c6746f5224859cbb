using System.Text.Json;
using OciCache.Access;
using OciCache.Auth;
using OciCache.Http;
using OciCache.Lifecycle;
using OciCache.Oci;

namespace OciCache.WebConsole.Api;

/// <summary>
/// The admin part of the console's API: pins, a pre-fetch run now, robot accounts (<see cref="RobotApiEndpoints"/>) and the audit log. Each
/// change is audited (<c>pin.add</c>, <c>pin.remove</c>, <c>prefetch.run</c>, <c>robot.add</c>, <c>robot.remove</c>).
/// </summary>
internal static class AdminApiEndpoints
{
    private const int MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/pins", AddPinAsync);
        app.MapDelete("/api/pins", RemovePinAsync);
        app.MapPost("/api/prefetch/run", RunPrefetchAsync);
        app.MapRobotApi();
        app.MapGet("/api/audit", AuditAsync);
        return app;
    }

    /// <summary>
    /// Returns the admin making a change; with access control off nothing changes here (403 DENIED), since
    /// anyone could: the console is read-only then.
    /// </summary>
    public static async ValueTask<ConsoleViewer> DemandChangeAsync(HttpContext context)
    {
        var access = context.RequestServices.GetRequiredService<AccessControl>();
        if (!access.Enabled)
        {
            throw new FailureException(new Denied("access control is off: the console and its API are read-only (configure Auth and Auth:AdminGroup to change)"));
        }

        await access.DemandAdminAsync(context);
        return await ConsoleViewer.ResolveAsync(context);
    }

    private static async Task AddPinAsync(HttpContext context)
    {
        var viewer = await DemandChangeAsync(context);
        var pattern = ReadPattern(await ReadBodyAsync(context));
        var added = await context.RequestServices.GetRequiredService<RuntimePins>().AddAsync(pattern, viewer.Who);
        Audit(context, "pin.add", pattern);
        context.Response.StatusCode = added ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        await JsonBody.WriteAsync(context, w => Pattern(w, pattern));
    }

    private static async Task RemovePinAsync(HttpContext context)
    {
        await DemandChangeAsync(context);
        var pattern = context.Request.Query["pattern"].ToString() is { Length: > 0 } given ? given : ReadPattern(await ReadBodyAsync(context));
        if (!await context.RequestServices.GetRequiredService<RuntimePins>().RemoveAsync(pattern))
        {
            throw new FailureException(new NameUnknown("no such pin", $"{pattern} is not a runtime pin (Storage:Pins are changed in the settings)"));
        }

        Audit(context, "pin.remove", pattern);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task RunPrefetchAsync(HttpContext context)
    {
        var viewer = await DemandChangeAsync(context);
        var runs = context.RequestServices.GetRequiredService<PrefetchRuns>();
        if (runs.Options.Images.Count == 0)
        {
            throw new FailureException(new RequestInvalid("Prefetch:Images is empty: nothing to run"));
        }

        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var started = runs.Running is null;
        if (started)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await runs.RunAsync(viewer.Who, stopping);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                }
            }, CancellationToken.None);
        }

        Audit(context, "prefetch.run", started ? "started" : "already running");
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("started", started);
            w.WriteEndObject();
        });
    }

    private static async Task AuditAsync(HttpContext context)
    {
        var viewer = await ConsoleViewer.ResolveAsync(context);
        IReadOnlyList<AuditLine> lines = [];
        if (viewer.AccessControl)
        {
            var access = context.RequestServices.GetRequiredService<AccessControl>();
            await access.DemandAdminAsync(context);
            var query = context.Request.Query;
            var limit = query["limit"].ToString() is { Length: > 0 } l
                ? int.TryParse(l, out var parsed) && parsed is > 0 and <= AuditReader.MaxLimit
                    ? parsed
                    : throw new FailureException(new QueryInvalid("invalid limit", $"limit={l}: 1 to {AuditReader.MaxLimit}"))
                : 100;
            var filter = new AuditFilter(query["action"].ToString(), query["who"].ToString(), query["repository"].ToString());
            lines = await AuditReader.ReadAsync(context.RequestServices, access.Settings.AuditLog, filter, limit, context.RequestAborted);
        }

        await JsonBody.WriteAsync(context, w => AdminJson.WriteAudit(w, lines, viewer));
    }

    public static void Audit(HttpContext context, string action, string? detail, string? repository = null, string result = "ok") =>
        context.RequestServices.GetRequiredService<AuditTrail>().Write(context, new AuditEvent(action, result)
        {
            Detail = detail,
            Repository = action.StartsWith("robot.", StringComparison.Ordinal) ? null : repository,
            Reference = action.StartsWith("robot.", StringComparison.Ordinal) ? repository : null,
        });

    private static string ReadPattern(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("pattern", out var p) && p.ValueKind == JsonValueKind.String &&
        RuntimePins.IsValidPattern(p.GetString())
            ? p.GetString()!
            : throw Invalid("expected {\"pattern\": \"repository[:tag]\"} (no spaces, at most 256 characters)");

    private static void Pattern(Utf8JsonWriter w, string pattern)
    {
        w.WriteStartObject();
        w.WriteString("pattern", pattern);
        w.WriteString("source", "runtime");
        w.WriteEndObject();
    }

    /// <summary>The request's small JSON body (at most 16 KiB), as a cloned element.</summary>
    public static async Task<JsonElement> ReadBodyAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > MaxBodyBytes)
            {
                throw Invalid("the body is larger than 16 KiB");
            }
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw Invalid("the body is not JSON");
        }
    }

    public static FailureException Invalid(string detail) => new(new RequestInvalid(detail));
}
