using OciCache.Access;
using OciCache.Auth;
using OciCache.Http;
using OciCache.Oci;

namespace OciCache.SignIn;

/// <summary>
/// Everyone's API keys, for admins (<c>Auth:AdminGroup</c>; mapped with access control on), so a key can be
/// stopped without its person, who may no longer be able to sign in:
/// <code>
/// GET    /api/admin/keys            [{id, user, name, scopes, createdAt, expiresAt, expired, origin}] (never a key's text)
/// DELETE /api/admin/keys/{id}       204; 404 when there is no such key
/// DELETE /api/admin/people/{name}   removes a person: every key of theirs, and their console sessions; 204 {removed keys in the audit}
/// </code>
/// A revoked key, and every token of it, stops at the next request. Audited as <c>apikey.revoke</c> and
/// <c>person.remove</c> with the admin as <c>who</c>.
/// </summary>
internal static class AdminKeyEndpoints
{
    public static IEndpointRouteBuilder MapAdminKeys(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/keys", ListAsync);
        app.MapDelete("/api/admin/keys/{id}", static context => RevokeAsync(context, context.Request.RouteValues["id"] as string ?? ""));
        app.MapDelete("/api/admin/people/{name}", static context => RemovePersonAsync(context, context.Request.RouteValues["name"] as string ?? ""));
        return app;
    }

    private static async Task ListAsync(HttpContext context)
    {
        await context.RequestServices.GetRequiredService<AccessControl>().DemandAdminAsync(context);
        var keys = await context.RequestServices.GetRequiredService<IApiKeys>().ListAllAsync(context.RequestAborted);
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        context.Response.Headers.CacheControl = "no-store";
        await JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartArray();
            foreach (var key in keys)
            {
                w.WriteStartObject();
                ApiKeyEndpoints.WriteFields(w, key, now);
                w.WriteString("user", key.User);
                w.WriteString("origin", key.FromIssuer ? "oidc" : "htpasswd");
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static async Task RevokeAsync(HttpContext context, string id)
    {
        await context.RequestServices.GetRequiredService<AccessControl>().DemandAdminAsync(context); // CSRF-checked for a session
        var key = await context.RequestServices.GetRequiredService<IApiKeys>().RevokeAnyAsync(id, context.RequestAborted)
                  ?? throw new FailureException(new NameUnknown("no such API key", "no key of that id"));
        context.RequestServices.GetRequiredService<AuditTrail>().Write(context, new AuditEvent("apikey.revoke", "ok") { Detail = $"{key.Id} of {key.User}" });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task RemovePersonAsync(HttpContext context, string name)
    {
        await context.RequestServices.GetRequiredService<AccessControl>().DemandAdminAsync(context); // CSRF-checked for a session
        if (name.Length is 0 or > 256 || name.StartsWith(RobotAccount.UserNamePrefix, StringComparison.Ordinal))
        {
            throw new FailureException(new RequestInvalid("a person's name (robots are removed under /api/robots)"));
        }

        var keys = await context.RequestServices.GetRequiredService<IApiKeys>().RevokeAllAsync(name, context.RequestAborted);
        var sessions = await context.RequestServices.GetRequiredService<ConsoleSessions>().EndAllOfAsync(name, context.RequestAborted);
        context.RequestServices.GetRequiredService<AuditTrail>().Write(context,
            new AuditEvent("person.remove", "ok") { Detail = $"{name}: {keys} API keys revoked, {sessions} console sessions ended" });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
