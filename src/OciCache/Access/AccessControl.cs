using System.Text;
using OciCache.Auth;
using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Access;

/// <summary>
/// Access control on <c>/v2/…</c>: authenticates a request once (Basic credentials, or a Bearer token this
/// server signed) and decides each action on a repository by its policy name (<see cref="Repository.Name"/>:
/// <c>site/app</c>, <c>docker.io/library/nginx</c> for a mirror however the client addressed it). With access
/// control off (no <c>Auth</c> section) everything is allowed and nothing is asked.
/// <para>
/// On <c>/ui/…</c> and <c>/api/…</c> a request without an <c>Authorization</c> header may instead carry the
/// console's session cookie (<see cref="SessionCookie"/>): its caller is the signed-in person, with
/// <see cref="Caller.Session"/> set. A state-changing request (not GET, HEAD, OPTIONS) from a session must pass
/// <see cref="CsrfCheck"/> or gets 403 DENIED: pages and scripts need nothing else to be protected. The
/// session's person is looked up again on every state-changing request and once a minute
/// (<see cref="ConsoleSessions.NeedsCheck"/>): a person deleted, or whose password changed, loses the session.
/// <c>/v2/</c> and <c>/token</c> never read the cookie: registry clients sign in with Basic or Bearer.
/// </para>
/// </summary>
/// <remarks>Refusals follow distribution's token spec: https://distribution.github.io/distribution/spec/auth/token/</remarks>
/// <remarks>
/// The token signer is taken when a Bearer token first needs checking: building it loads the signing key and
/// OpenSSL (about 4 MiB of resident memory), which a server nobody asked for a token yet does without.
/// </remarks>
internal sealed class AccessControl(
    AuthSettings? settings, AccessPolicy? policy, Lazy<TokenSigner>? signer, CredentialVerifier? verifier, AuditTrail audit,
    ConsoleSessions? sessions = null)
{
    private const string CallerKey = "OciCache.Auth.Caller";

    public bool Enabled => settings is not null;

    public AuthSettings Settings => settings ?? throw new InvalidOperationException("access control is off");

    public AccessPolicy Policy => policy ?? throw new InvalidOperationException("access control is off");

    public static Caller? CallerOf(HttpContext context) => context.Items.TryGetValue(CallerKey, out var caller) ? caller as Caller : null;

    /// <summary>The request's caller, authenticated on first use and kept for the request.</summary>
    /// <exception cref="FailureException"><see cref="Unauthorized"/> for credentials or a token that do not check, <see cref="TooManyRequests"/> past the sign-in limit.</exception>
    public async ValueTask<Caller> AuthenticateAsync(HttpContext context)
    {
        if (!Enabled)
        {
            return Caller.Anonymous;
        }

        if (CallerOf(context) is { } known)
        {
            return known;
        }

        var caller = await ReadCallerAsync(context);
        context.Items[CallerKey] = caller;
        return caller;
    }

    /// <summary>
    /// The identity of Basic credentials (the token endpoint's way to sign in), or null for none: anonymous.
    /// </summary>
    /// <exception cref="FailureException"><see cref="Unauthorized"/> for credentials that do not check, <see cref="TooManyRequests"/> past the sign-in limit.</exception>
    public async ValueTask<Identity?> AuthenticateBasicOnlyAsync(HttpContext context)
    {
        if (!BasicCredentials.TryParse(context.Request.Headers.Authorization.ToString(), out var user, out var password))
        {
            return null;
        }

        return await verifier!.VerifyAsync(user, password, AuditTrail.SourceOf(context), context.RequestAborted)
               ?? throw new FailureException(new Unauthorized("wrong user name or password"));
    }

    /// <summary>What the caller may do to <paramref name="repository"/> (everything with access control off).</summary>
    public AccessActions Allowed(Caller caller, Repository repository)
    {
        if (policy is null)
        {
            return AccessActions.All;
        }

        if (caller.Token is not { } token)
        {
            return policy.Allowed(caller.Identity, repository.Name, repository.IsMirror);
        }

        // A token grants what it lists (the policy was applied when it was issued), and never less than anyone may do.
        var granted = token.Grants(repository.Name) | policy.Allowed(null, repository.Name, repository.IsMirror);
        return repository.IsMirror ? granted & AccessActions.Pull : granted;
    }

    /// <summary>
    /// Returns when the caller may do <paramref name="needed"/>; otherwise one <c>policy.deny</c> audit event and
    /// 401 UNAUTHORIZED with the Bearer challenge (no identity, or a token that lacks a scope the identity has),
    /// or 403 DENIED (an identity without the action).
    /// </summary>
    public async ValueTask DemandAsync(HttpContext context, Repository repository, AccessActions needed, string? reference = null)
    {
        if (!Enabled)
        {
            return;
        }

        var caller = await AuthenticateAsync(context);
        if ((Allowed(caller, repository) & needed) == needed)
        {
            return;
        }

        var scope = $"repository:{repository.Name}:{string.Join(',', ScopeActions(needed).Names())}";
        if (caller is { Token: { } token, Identity: not null } && verifier is not null &&
            await verifier.HolderAsync(token, context.RequestAborted) is { } subject &&
            (Policy.Allowed(subject, repository.Name, repository.IsMirror) & needed) == needed)
        {
            // The identity may, its token just was not for this: the client asks for another one (RFC 6750 §3.1).
            throw Challenge(context, scope, "insufficient_scope");
        }

        var denied = new AuditEvent("policy.deny", caller.Identity is null ? "unauthorized" : "denied")
        {
            Repository = repository.Name,
            Reference = reference,
            Detail = $"{context.Request.Method} needs {string.Join(',', needed.Names())}",
        };
        audit.Write(context, denied);
        throw caller.Identity is null
            ? Challenge(context, scope, null)
            : new FailureException(new Denied($"{caller.Identity.Name} may not {string.Join(',', needed.Names())} {repository.Name}"));
    }

    /// <summary>
    /// The caller with what its identity may do now: for a token, its subject looked up again (a user still
    /// in the htpasswd file, a robot still there and unexpired), so listings and admin checks follow the policy
    /// rather than the few repositories a token was asked for.
    /// </summary>
    public async ValueTask<Caller> ResolveAsync(HttpContext context)
    {
        var caller = await AuthenticateAsync(context);
        if (caller is not { Token: { } token, Identity: not null } || verifier is null)
        {
            return caller;
        }

        return await verifier.HolderAsync(token, context.RequestAborted) is { } identity ? new Caller(identity, null) : Caller.Anonymous;
    }

    /// <summary>
    /// For management endpoints: returns when the caller is in <c>Auth:AdminGroup</c> (always with access control
    /// off); 401 with the challenge without an identity, 403 DENIED for anyone else. Refusals are audited.
    /// </summary>
    public async ValueTask DemandAdminAsync(HttpContext context)
    {
        if (!Enabled)
        {
            return;
        }

        var caller = await ResolveAsync(context);
        if (Policy.IsAdmin(caller.Identity))
        {
            return;
        }

        audit.Write(context, new AuditEvent("policy.deny", caller.Identity is null ? "unauthorized" : "denied") { Detail = "admin group only" });
        throw caller.Identity is null
            ? Challenge(context, null, null)
            : new FailureException(new Denied("admin group only"));
    }

    /// <summary>A 401 with the Bearer challenge that sends clients to <c>/token</c> for <paramref name="scope"/>.</summary>
    public FailureException Challenge(HttpContext context, string? scope, string? error)
    {
        var header = new StringBuilder($"Bearer realm=\"{Realm(context)}\",service=\"{Settings.Service}\"");
        if (scope is not null)
        {
            header.Append($",scope=\"{scope}\"");
        }

        if (error is not null)
        {
            header.Append($",error=\"{error}\"");
        }

        return new FailureException(new Unauthorized(scope is null ? null : $"access to {scope}", header.ToString()));
    }

    /// <summary>The challenge header alone, for a <c>/v2/</c> answered 200 to a caller without credentials.</summary>
    public string ChallengeHeader(HttpContext context) => $"Bearer realm=\"{Realm(context)}\",service=\"{Settings.Service}\"";

    public string Realm(HttpContext context) =>
        (Settings.ExternalUrl is { Length: > 0 } external ? external.TrimEnd('/') : $"{context.Request.Scheme}://{context.Request.Host}") + "/token";

    /// <summary>A push is asked as <c>pull,push</c>, as distribution's clients and challenges do.</summary>
    private static AccessActions ScopeActions(AccessActions needed) =>
        needed.HasFlag(AccessActions.Push) ? needed | AccessActions.Pull : needed;

    private async ValueTask<Caller> ReadCallerAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return await ReadSessionAsync(context);
        }

        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var claims = await signer!.Value.ValidateAsync(header["Bearer ".Length..].Trim(), Settings.Service, TokenClaims.AccessUse);
            if (claims is null || (claims.Subject.Length > 0 && await verifier!.HolderAsync(claims, context.RequestAborted) is null))
            {
                // A token ends with its credential, not at its own expiry: a revoked or expired API key, a key
                // whose person is gone, a removed robot, a deleted user, a changed password or robot secret.
                throw Challenge(context, null, "invalid_token");
            }

            if (claims.Subject.Length == 0)
            {
                return new Caller(null, claims); // a token issued without credentials: still nobody
            }

            var kind = claims.Subject.StartsWith(RobotAccount.UserNamePrefix, StringComparison.Ordinal) ? IdentityKind.Robot : IdentityKind.User;
            return new Caller(new Identity(claims.Subject, kind) { ApiKeyId = claims.ApiKey, Credential = claims.Credential }, claims);
        }

        if (BasicCredentials.TryParse(header, out var user, out var password))
        {
            var identity = await verifier!.VerifyAsync(user, password, AuditTrail.SourceOf(context), context.RequestAborted);
            return identity is null ? throw Challenge(context, null, null) : new Caller(identity, null);
        }

        throw Challenge(context, null, null);
    }

    /// <summary>The console session of a <c>/ui</c> or <c>/api</c> request, CSRF-checked for state-changing methods.</summary>
    private async ValueTask<Caller> ReadSessionAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (sessions is null || !(path.StartsWithSegments("/ui") || path.StartsWithSegments("/api")) ||
            SessionCookie.Read(context.Request) is not { } id || await sessions.FindAsync(id, context.RequestAborted) is not { } session)
        {
            return Caller.Anonymous;
        }

        var changing = !CsrfCheck.IsSafeMethod(context.Request.Method);
        if (changing && await CsrfCheck.FailureAsync(context, session, Settings) is { } failure)
        {
            audit.Write(new AuditEvent("policy.deny", "denied")
            {
                Who = session.Identity.Name, Source = AuditTrail.SourceOf(context), Detail = $"{context.Request.Method} {path}: {failure}",
            });
            throw new FailureException(new Denied("cross-site request refused", failure));
        }

        if (sessions.NeedsCheck(session, changing))
        {
            if (!await verifier!.StillHoldsAsync(session.Identity, context.RequestAborted))
            {
                // Deleted from the htpasswd file, or the password changed: the session ends, the request has no caller.
                await sessions.EndAsync(session.Id, CancellationToken.None);
                audit.Write(new AuditEvent("signout", "ended")
                {
                    Who = session.Identity.Name, Source = AuditTrail.SourceOf(context), Detail = "the person is gone or their password changed",
                });
                return Caller.Anonymous;
            }

            await sessions.CheckedAsync(session, context.RequestAborted);
        }

        return new Caller(session.Identity, null) { Session = session };
    }
}
