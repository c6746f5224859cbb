using System.Text.Json;
using OciCache.Access;
using OciCache.Auth;
using OciCache.Http;
using OciCache.Oci;
using OciCache.Upstream;

namespace OciCache.Endpoints;

/// <summary>
/// The management API under <c>/api/</c>. Reads are open like <c>/metrics</c>; changes need the admin group
/// (<see cref="AccessControl.DemandAdminAsync"/>: anyone while access control is off, like every other write)
/// and are audited.
/// </summary>
internal static class ManagementEndpoints
{
    public static IEndpointRouteBuilder MapManagement(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/offline", static context => WriteOfflineAsync(context));
        app.MapPut("/api/offline", SetOfflineAsync);
        return app;
    }

    /// <summary><c>PUT /api/offline</c> with <c>{"offline": true}</c> or <c>false</c>: at once, for every request that starts after it.</summary>
    private static async Task SetOfflineAsync(HttpContext context)
    {
        await context.RequestServices.GetRequiredService<AccessControl>().DemandAdminAsync(context);
        var offline = await ReadOfflineAsync(context);
        context.RequestServices.GetRequiredService<OfflineSwitch>().Set(offline);
        context.RequestServices.GetRequiredService<AuditTrail>().Write(context,
            new AuditEvent("offline.set", "ok") { Detail = offline ? "offline" : "online" });
        await WriteOfflineAsync(context);
    }

    private static async Task<bool> ReadOfflineAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted); // a small JSON object; bounded below
        if (body.Length > 1024)
        {
            throw Invalid("the body is larger than 1 KiB");
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("offline", out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? value.GetBoolean()
                : throw Invalid("expected {\"offline\": true} or {\"offline\": false}");
        }
        catch (JsonException)
        {
            throw Invalid("the body is not JSON");
        }
    }

    private static Task WriteOfflineAsync(HttpContext context)
    {
        var offline = context.RequestServices.GetRequiredService<OfflineSwitch>().IsOn;
        return JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("offline", offline);
            w.WriteEndObject();
        });
    }

    private static FailureException Invalid(string detail) =>
        new(new RequestInvalid(detail));
}
