using System.Text.Json;
using OciCache.Access;
using OciCache.Auth;

namespace OciCache.WebConsole.Api;

/// <summary>
/// The body of <c>POST /api/robots</c>: <c>{"name": "ci", "scopes": ["repository:site/*:pull,push"], "expires": "90d"}</c>;
/// <c>expires</c> as <c>ocicache robot add --expires</c> takes it (optional: never).
/// </summary>
internal sealed record RobotRequest(string Name, IReadOnlyList<RobotScope> Scopes, DateTimeOffset? ExpiresAt)
{
    public static RobotRequest Parse(JsonElement body, DateTimeOffset now)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String ||
            !RobotName.IsValid(name.GetString()!))
        {
            throw AdminApiEndpoints.Invalid($"expected a name: {RobotName.Rule}");
        }

        if (!body.TryGetProperty("scopes", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > 64)
        {
            throw AdminApiEndpoints.Invalid("expected scopes: 1 to 64 texts repository:<pattern>:<actions>");
        }

        var scopes = new List<RobotScope>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !RobotScope.TryParse(item.GetString()!, out var scope, out var error))
            {
                throw AdminApiEndpoints.Invalid(item.ValueKind == JsonValueKind.String ? $"scope {item.GetString()}: {Error(item)}" : "a scope is not a string");
            }

            scopes.Add(scope);
        }

        DateTimeOffset? expiresAt = null;
        if (body.TryGetProperty("expires", out var expires) && expires.ValueKind != JsonValueKind.Null)
        {
            if (expires.ValueKind != JsonValueKind.String || !RobotExpiry.TryParse(expires.GetString()!, now, out var at, out var error))
            {
                throw AdminApiEndpoints.Invalid("expires: 90d, 12h, 2026-12-31 or 2026-12-31T18:00:00Z");
            }

            expiresAt = at;
        }

        return new RobotRequest(name.GetString()!, scopes, expiresAt);
    }

    private static string Error(JsonElement item) => RobotScope.TryParse(item.GetString()!, out _, out var error) ? "" : error;
}
