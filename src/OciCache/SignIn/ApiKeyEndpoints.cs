using System.Globalization;
using System.Text.Json;
using OciCache.Access;
using OciCache.Auth;
using OciCache.Http;
using OciCache.Oci;

namespace OciCache.SignIn;

/// <summary>
/// The signed-in person's own API keys (mapped with access control on), for a console session (CSRF-checked
/// by <see cref="AccessControl"/>) or Basic credentials of a user; not for robots, nor with an API key itself:
/// <code>
/// GET    /api/keys       [{id, name, scopes, createdAt, expiresAt, expired}]
/// POST   /api/keys       {name, scopes: ["repository:site/*:pull,push"], expiresAt?} → 201 {…, key} (the key, this once)
/// DELETE /api/keys/{id}  204; 404 when the person has no such key
/// </code>
/// A key's scopes are robot scopes (<see cref="RobotScope"/>); at every use they are intersected with what the
/// person may do then, so a key never gives more than its person. Creation and revocation are audited.
/// </summary>
internal static class ApiKeyEndpoints
{
    public static IEndpointRouteBuilder MapApiKeys(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/keys", ListAsync);
        app.MapPost("/api/keys", CreateAsync);
        app.MapDelete("/api/keys/{id}", static context => RevokeAsync(context, context.Request.RouteValues["id"] as string ?? ""));
        app.MapAdminKeys();
        return app;
    }

    private static async Task ListAsync(HttpContext context)
    {
        var person = await PersonAsync(context);
        var keys = await context.RequestServices.GetRequiredService<IApiKeys>().ListAsync(person.Name, context.RequestAborted);
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartArray();
            foreach (var key in keys)
            {
                Write(w, key, now, null);
            }

            w.WriteEndArray();
        });
    }

    private static async Task CreateAsync(HttpContext context)
    {
        var person = await PersonAsync(context);
        var services = context.RequestServices;
        var auth = services.GetRequiredService<AuthSettings>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var (name, scopes, expiresAt) = await ReadRequestAsync(context, now + auth.ApiKeyMaxLifetime);
        if (expiresAt <= now || expiresAt > now + auth.ApiKeyMaxLifetime)
        {
            throw Invalid($"expiresAt must be in the future and at most {auth.ApiKeyMaxLifetime.TotalDays:0} days away (Auth:ApiKeyMaxLifetime)");
        }

        var (key, secret) = await services.GetRequiredService<IApiKeys>()
            .CreateAsync(person.Name, name, scopes, [.. person.Groups], expiresAt, context.RequestAborted, person.FromIssuer);
        services.GetRequiredService<AuditTrail>().Write(context,
            new AuditEvent("apikey.create", "ok") { Detail = $"{key.Id} {key.Name}: {string.Join(' ', key.Scopes)}" });
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.CacheControl = "no-store";
        await JsonBody.WriteAsync(context, w => Write(w, key, now, secret));
    }

    private static async Task RevokeAsync(HttpContext context, string id)
    {
        var person = await PersonAsync(context);
        if (!await context.RequestServices.GetRequiredService<IApiKeys>().RevokeAsync(person.Name, id, context.RequestAborted))
        {
            throw new FailureException(new NameUnknown("no such API key", "the signed-in person has no key of that id"));
        }

        context.RequestServices.GetRequiredService<AuditTrail>().Write(context, new AuditEvent("apikey.revoke", "ok") { Detail = id });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>A person: a user signed in to the console or with a password; 401 for nobody, 403 for robots and API keys.</summary>
    private static async ValueTask<Identity> PersonAsync(HttpContext context)
    {
        var access = context.RequestServices.GetRequiredService<AccessControl>();
        var caller = await access.AuthenticateAsync(context);
        return caller switch
        {
            { Identity: null } => throw access.Challenge(context, null, null),
            { Token: not null } or { Identity.Kind: not IdentityKind.User } or { Identity.ApiKeyId: not null } =>
                throw new FailureException(new Denied("API keys are managed by their person, signed in")),
            _ => caller.Identity,
        };
    }

    private static async Task<(string Name, List<RobotScope> Scopes, DateTimeOffset ExpiresAt)> ReadRequestAsync(HttpContext context, DateTimeOffset defaultExpiry)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > 16 * 1024)
        {
            throw Invalid("the body is larger than 16 KiB");
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            var name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()!.Trim() : "";
            if (name.Length is 0 or > 100 || name.Any(char.IsControl))
            {
                throw Invalid("name: 1 to 100 characters");
            }

            var scopes = new List<RobotScope>();
            foreach (var text in root.TryGetProperty("scopes", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray() : default)
            {
                scopes.Add(RobotScope.TryParse(text.GetString() ?? "", out var scope, out var error) ? scope : throw Invalid(error));
            }

            if (scopes.Count == 0)
            {
                throw Invalid("scopes: at least one, like repository:site/*:pull,push");
            }

            var expiresAt = root.TryGetProperty("expiresAt", out var e) && e.ValueKind == JsonValueKind.String
                ? DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                : defaultExpiry;
            return (name, scopes, expiresAt);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw Invalid("expected {\"name\": …, \"scopes\": [\"repository:<pattern>:<actions>\"], \"expiresAt\": \"<RFC 3339>\"}");
        }
    }

    private static void Write(Utf8JsonWriter w, ApiKey key, DateTimeOffset now, string? secret)
    {
        w.WriteStartObject();
        WriteFields(w, key, now);
        if (secret is not null)
        {
            w.WriteString("key", secret);
        }

        w.WriteEndObject();
    }

    /// <summary>A key's fields as both key lists show them (the person's own and the admins' list of everyone's); never its secret.</summary>
    internal static void WriteFields(Utf8JsonWriter w, ApiKey key, DateTimeOffset now)
    {
        w.WriteString("id", key.Id);
        w.WriteString("name", key.Name);
        w.WriteStartArray("scopes");
        foreach (var scope in key.Scopes)
        {
            w.WriteStringValue(scope.ToString());
        }

        w.WriteEndArray();
        w.WriteString("createdAt", key.CreatedAt);
        w.WriteString("expiresAt", key.ExpiresAt);
        w.WriteBoolean("expired", now >= key.ExpiresAt);
    }

    private static FailureException Invalid(string detail) => new(new RequestInvalid(detail));
}
