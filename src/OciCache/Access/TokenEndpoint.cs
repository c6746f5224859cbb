using OciCache.Auth;
using OciCache.Http;
using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Access;

/// <summary>
/// The token issuer clients are sent to by the Bearer challenge, after distribution's token spec:
/// <list type="bullet">
/// <item><c>GET /token?service=&amp;scope=…&amp;scope=…[&amp;offline_token=true]</c>, with Basic credentials or none
/// (anonymous);</item>
/// <item><c>POST /token</c>, a form with <c>grant_type=password</c> (<c>username</c>, <c>password</c>) or
/// <c>grant_type=refresh_token</c> (<c>refresh_token</c>), <c>scope</c> (space-separated), <c>service</c>,
/// <c>client_id</c>, <c>access_type=offline</c>.</item>
/// </list>
/// The token grants, per asked repository, the asked actions the policy allows (a partial grant is no error;
/// the repository is named as the policy sees it). Refresh tokens come with POST password grants,
/// <c>access_type=offline</c> and <c>offline_token=true</c>; a refresh works while its subject still exists with
/// the credential the token was issued for (<see cref="TokenClaims.Credential"/>, or the same API key).
/// </summary>
/// <remarks>
/// https://distribution.github.io/distribution/spec/auth/token/ and
/// https://distribution.github.io/distribution/spec/auth/oauth/
/// </remarks>
internal static class TokenEndpoint
{
    public static IEndpointRouteBuilder MapTokens(this IEndpointRouteBuilder app)
    {
        app.MapGet("/token", GetAsync);
        app.MapPost("/token", PostAsync);
        return app;
    }

    private static async Task GetAsync(HttpContext context)
    {
        var access = context.RequestServices.GetRequiredService<AccessControl>();
        var caller = await access.AuthenticateBasicOnlyAsync(context);
        var offline = string.Equals(context.Request.Query["offline_token"], "true", StringComparison.OrdinalIgnoreCase);
        await IssueAsync(context, caller, TokenScope.ParseAll(context.Request.Query["scope"]), refresh: offline && caller is not null, oauth: false);
    }

    private static async Task PostAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            throw new FailureException(new Unsupported("a token request by POST is a form", "application/x-www-form-urlencoded"));
        }

        var form = await BodyLimits.ReadFormAsync(context);
        var services = context.RequestServices;
        var access = services.GetRequiredService<AccessControl>();
        var verifier = services.GetRequiredService<CredentialVerifier>();
        var scopes = TokenScope.ParseAll(form["scope"]);
        var offline = form["access_type"] == "offline";
        switch (form["grant_type"].ToString())
        {
            case "password":
                var identity = await verifier.VerifyAsync(form["username"].ToString(), form["password"].ToString(), AuditTrail.SourceOf(context), context.RequestAborted)
                               ?? throw Refused();
                await IssueAsync(context, identity, scopes, refresh: true, oauth: true);
                return;
            case "refresh_token":
                var claims = await services.GetRequiredService<TokenSigner>().ValidateAsync(form["refresh_token"].ToString(), access.Settings.Service, TokenClaims.RefreshUse);
                // The refresh token holds only while the credential it was issued for does (same password, same
                // robot secret, same API key with its person); a token of an earlier secret is refused.
                var subject = claims is null ? null : await verifier.HolderAsync(claims, context.RequestAborted);
                if (subject is null)
                {
                    context.RequestServices.GetRequiredService<AuditTrail>().Write(context,
                        new AuditEvent("signin", "failed") { Who = claims?.Subject, Detail = "refresh token not valid" });
                    throw Refused();
                }

                await IssueAsync(context, subject, scopes, refresh: offline, oauth: true);
                return;
            default:
                throw new FailureException(new Unsupported("unsupported grant_type", "password or refresh_token"));
        }
    }

    private static async Task IssueAsync(HttpContext context, Identity? identity, List<TokenScope> scopes, bool refresh, bool oauth)
    {
        var services = context.RequestServices;
        var access = services.GetRequiredService<AccessControl>();
        var signer = services.GetRequiredService<TokenSigner>();
        var settings = access.Settings;
        var granted = Grant(services.GetRequiredService<RepositoryRouter>(), access.Policy, identity, scopes);
        var subject = identity?.Name ?? "";
        var apiKey = identity?.ApiKeyId; // a token of a key sign-in keeps the key's limits, and ends with the key
        var credential = identity?.Credential; // the secret's fingerprint: the tokens end when it changes
        var claims = signer.NewClaims(subject, settings.Service, TokenClaims.AccessUse, settings.TokenLifetime, granted) with { ApiKey = apiKey, Credential = credential };
        var token = signer.Sign(claims);
        var refreshToken = refresh && identity is not null
            ? signer.Sign(signer.NewClaims(subject, settings.Service, TokenClaims.RefreshUse, settings.RefreshTokenLifetime, []) with { ApiKey = apiKey, Credential = credential })
            : null;
        context.Response.Headers.CacheControl = "no-store";
        await JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("token", token);
            w.WriteString("access_token", token);
            w.WriteNumber("expires_in", (long)settings.TokenLifetime.TotalSeconds);
            w.WriteString("issued_at", claims.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            if (oauth)
            {
                w.WriteString("scope", string.Join(' ', granted.Select(g => $"{g.Type}:{g.Name}:{string.Join(',', g.Actions.Names())}")));
            }

            if (refreshToken is not null)
            {
                w.WriteString("refresh_token", refreshToken);
            }

            w.WriteEndObject();
        });
    }

    /// <summary>Per asked repository scope: the asked actions the policy allows, under the repository's policy name.</summary>
    internal static List<TokenAccess> Grant(RepositoryRouter router, AccessPolicy policy, Identity? identity, IEnumerable<TokenScope> scopes)
    {
        var granted = new Dictionary<string, AccessActions>(StringComparer.Ordinal);
        foreach (var scope in scopes.Where(s => s.Type == "repository" && RepositoryName.IsValid(s.Name)))
        {
            Repository repository;
            try
            {
                repository = router.Route(scope.Name, null);
            }
            catch (FailureException)
            {
                continue;
            }

            var actions = scope.Actions & policy.Allowed(identity, repository.Name, repository.IsMirror);
            if (actions != AccessActions.None)
            {
                granted[repository.Name] = granted.GetValueOrDefault(repository.Name) | actions;
            }
        }

        return granted.Select(g => new TokenAccess("repository", g.Key, g.Value)).ToList();
    }

    private static FailureException Refused() =>
        new(new Unauthorized("wrong user name or password"));
}
