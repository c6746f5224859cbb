using OciCache.Access;
using OciCache.Oci;

namespace OciCache.SignIn;

/// <summary><c>GET /api/session</c>: the signed-in person of a console session, for the pages' scripts.</summary>
internal static class SessionEndpoint
{
    /// <summary>Who is signed in, and the CSRF token scripts send as <c>X-CSRF-Token</c>.</summary>
    public static async Task WriteAsync(HttpContext context)
    {
        var access = context.RequestServices.GetRequiredService<AccessControl>();
        var caller = await access.AuthenticateAsync(context);
        if (caller.Session is not { } session)
        {
            throw new FailureException(new Unauthorized("no console session: sign in at /ui/signin"));
        }

        var groups = access.Policy.GroupsOf(session.Identity);
        context.Response.Headers.CacheControl = "no-store";
        await Http.JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", session.Identity.Name);
            w.WriteStartArray("groups");
            foreach (var group in groups.Order(StringComparer.Ordinal))
            {
                w.WriteStringValue(group);
            }

            w.WriteEndArray();
            w.WriteBoolean("admin", access.Policy.IsAdmin(session.Identity));
            w.WriteString("csrfToken", session.CsrfToken);
            w.WriteEndObject();
        });
    }
}
