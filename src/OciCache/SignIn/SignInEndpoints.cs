using OciCache.Access;
using OciCache.Auth;
using OciCache.Oci;

namespace OciCache.SignIn;

/// <summary>
/// Sign-in and sign-out for people (mapped with access control on):
/// <code>
/// GET  /ui/signin            the form (and the issuer's link)        POST /ui/signin   htpasswd user + password
/// GET  /ui/signin/oidc       → 302 to the issuer (state, nonce, PKCE S256; state also in a cookie)
/// GET  /ui/signin/callback   ← the issuer: code + state → token endpoint → ID token → session → 303 returnUrl
/// POST /ui/signout           ends the session (CSRF-checked like every session POST) → 303 /ui/signin
/// GET  /api/session          the signed-in person: {name, groups, admin, csrfToken}; 401 without a session
/// </code>
/// Every sign-in is a <c>signin</c> audit event (ok or failed), every sign-out a <c>signout</c> one.
/// </summary>
internal static partial class SignInEndpoints
{
    private const string StateCookie = "ocicache-signin-state";

    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/signin", static context =>
            SignInPage.WriteAsync(context, 200, SignInPage.LocalReturnUrl(context.Request.Query["returnUrl"]), HasOidc(context), null));
        app.MapPost("/ui/signin", FormSignInAsync);
        app.MapGet("/ui/signin/oidc", StartOidcAsync);
        app.MapGet("/ui/signin/callback", CallbackAsync);
        app.MapPost("/ui/signout", SignOutAsync);
        app.MapGet("/api/session", SessionEndpoint.WriteAsync);
        return app;
    }

    /// <summary>The redirect URI: <c>Auth:Oidc:ExternalUrl</c>, else <c>Auth:ExternalUrl</c>, else this request's origin.</summary>
    public static string RedirectUri(HttpContext context, AuthSettings auth) =>
        OidcSettings.RedirectUri(auth.Oidc?.ExternalUrl ?? auth.ExternalUrl ?? $"{context.Request.Scheme}://{context.Request.Host}");

    private static bool HasOidc(HttpContext context) => context.RequestServices.GetService<OidcClient>() is not null;

    private static async Task FormSignInAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var auth = services.GetRequiredService<AuthSettings>();
        if (!context.Request.HasFormContentType)
        {
            throw new FailureException(new RequestInvalid("expected a form"));
        }

        var form = await Http.BodyLimits.ReadFormAsync(context);
        var returnUrl = SignInPage.LocalReturnUrl(form["returnUrl"]);
        if (!CsrfCheck.IsSameOrigin(context, auth))
        {
            // No session yet, so no token: the origin alone keeps other sites from signing a browser in.
            await SignInPage.WriteAsync(context, 403, returnUrl, HasOidc(context), "This form must be sent from this server's own page.");
            return;
        }

        var user = form["username"].ToString();
        var identity = await services.GetRequiredService<CredentialVerifier>()
            .VerifyAsync(user, form["password"].ToString(), AuditTrail.SourceOf(context), context.RequestAborted);
        if (identity is not { Kind: IdentityKind.User, ApiKeyId: null })
        {
            // Robots and API keys are for clients, not for the console; the verifier audited a wrong password.
            if (identity is not null)
            {
                services.GetRequiredService<AuditTrail>().Write(context, new AuditEvent("signin", "failed") { Who = user, Detail = "console: users only" });
            }

            await SignInPage.WriteAsync(context, 401, returnUrl, HasOidc(context), "Wrong user name or password.");
            return;
        }

        await StartSessionAsync(context, identity, "form");
        context.Response.Redirect(returnUrl);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    private static async Task StartOidcAsync(HttpContext context)
    {
        var client = context.RequestServices.GetService<OidcClient>()
                     ?? throw new FailureException(new Unsupported("unsupported", "no OIDC issuer is configured (Auth:Oidc)"));
        var pending = await context.RequestServices.GetRequiredService<PendingSignIns>().StartAsync(
            SignInPage.LocalReturnUrl(context.Request.Query["returnUrl"]), AuditTrail.SourceOf(context), context.RequestAborted);
        var auth = context.RequestServices.GetRequiredService<AuthSettings>();
        string url;
        try
        {
            url = await client.AuthorizationUrlAsync(pending, RedirectUri(context, auth), context.RequestAborted);
        }
        catch (Exception e) when (e is OidcException or HttpRequestException or TaskCanceledException)
        {
            LogIssuerFailed(Logger(context), e.Message);
            await SignInPage.WriteAsync(context, 502, pending.ReturnUrl, true, "The sign-in service cannot be reached; try again later.");
            return;
        }

        var cookie = SessionCookie.Options(context.Request, "/ui/signin");
        cookie.MaxAge = PendingSignIns.Lifetime;
        context.Response.Cookies.Append(StateCookie, pending.State, cookie);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Redirect(url);
    }

    private static async Task CallbackAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var client = services.GetService<OidcClient>()
                     ?? throw new FailureException(new Unsupported("unsupported", "no OIDC issuer is configured (Auth:Oidc)"));
        var query = context.Request.Query;
        var state = query["state"].ToString();
        context.Response.Cookies.Delete(StateCookie, SessionCookie.Options(context.Request, "/ui/signin"));
        var cookieState = context.Request.Cookies[StateCookie];
        var pending = state.Length > 0 && cookieState == state ? await services.GetRequiredService<PendingSignIns>().TakeAsync(state, context.RequestAborted) : null;
        string? failure = pending is null ? "unknown or expired state"
            : query["error"].Count > 0 ? $"the issuer answered {Printable(query["error"].ToString())}"
            // RFC 9207: an issuer that names itself in the answer must be ours (a mix-up with another issuer).
            : query["iss"].Count > 0 && query["iss"].ToString() != client.Settings.Issuer ? "the answer names another issuer"
            : query["code"].ToString().Length == 0 ? "no code" : null;
        OidcPerson? person = null;
        if (failure is null)
        {
            try
            {
                person = await client.SignInAsync(query["code"].ToString(), pending!, RedirectUri(context, services.GetRequiredService<AuthSettings>()), context.RequestAborted);
            }
            catch (Exception e) when (e is OidcException or HttpRequestException or TaskCanceledException)
            {
                failure = e is OidcException ? e.Message : "the issuer cannot be reached";
            }
        }

        if (person is null)
        {
            LogOidcSignInFailed(Logger(context), failure!);
            services.GetRequiredService<AuditTrail>().Write(context, new AuditEvent("signin", "failed") { Who = "anonymous", Detail = $"oidc: {failure}" });
            await SignInPage.WriteAsync(context, 400, pending?.ReturnUrl ?? "/", true, "The sign-in did not complete; please try again.");
            return;
        }

        var identity = Identity.User(person.Name) with { Groups = new HashSet<string>(person.Groups, StringComparer.Ordinal), FromIssuer = true };
        await StartSessionAsync(context, identity, "oidc");
        context.Response.Redirect(pending!.ReturnUrl);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    private static async Task SignOutAsync(HttpContext context)
    {
        var caller = await context.RequestServices.GetRequiredService<AccessControl>().AuthenticateAsync(context); // CSRF-checked
        if (caller.Session is { } session)
        {
            await context.RequestServices.GetRequiredService<ConsoleSessions>().EndAsync(session.Id, CancellationToken.None);
            context.RequestServices.GetRequiredService<AuditTrail>().Write(context, new AuditEvent("signout", "ok"));
        }

        SessionCookie.Delete(context);
        context.Response.Redirect("/ui/signin");
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    /// <summary>A new session (a new id: a session id set before sign-in is never promoted); one the browser had ends.</summary>
    private static async Task StartSessionAsync(HttpContext context, Identity identity, string how)
    {
        var sessions = context.RequestServices.GetRequiredService<ConsoleSessions>();
        if (SessionCookie.Read(context.Request) is { } previous)
        {
            await sessions.EndAsync(previous, context.RequestAborted);
        }

        var session = await sessions.CreateAsync(identity, context.RequestAborted);
        SessionCookie.Write(context, session.Id);
        context.RequestServices.GetRequiredService<AuditTrail>().Write(context, new AuditEvent("signin", "ok") { Who = identity.Name, Detail = how });
    }

    private static string Printable(string text) => new([.. text.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-').Take(64)]);

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("OciCache.SignIn");

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC issuer unavailable: {Reason}")]
    private static partial void LogIssuerFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "OIDC sign-in failed: {Reason}")]
    private static partial void LogOidcSignInFailed(ILogger logger, string reason);
}
