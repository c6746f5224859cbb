using System.Text.Encodings.Web;
using OciCache.Access;

namespace OciCache.SignIn;

/// <summary>
/// What the console's pages and its JSON API need from sign-in, in one place:
/// <list type="number">
/// <item><b>Who is signed in</b>: <see cref="SessionAsync"/> (or <see cref="AccessControl.AuthenticateAsync"/>,
/// whose <see cref="Caller.Session"/> is set for a session cookie on <c>/ui</c> and <c>/api</c>). The session's
/// <see cref="ConsoleSession.Identity"/> is a user with <see cref="Identity.Groups"/> from the OIDC issuer;
/// <see cref="AccessPolicy.GroupsOf"/> adds those of <c>Auth:Groups</c>, <see cref="AccessPolicy.IsAdmin"/>
/// tells an admin. Scripts ask <c>GET /api/session</c> (name, groups, admin, csrfToken).</item>
/// <item><b>CSRF</b>: every form of a page carries <see cref="CsrfField"/>; a script sends
/// <see cref="ConsoleSession.CsrfToken"/> as the header <c>X-CSRF-Token</c>. Nothing needs to check it: every
/// POST, PUT, DELETE (…) of a session is checked in <see cref="AccessControl"/> (token and Origin/Referer)
/// before the handler's first <see cref="AccessControl.AuthenticateAsync"/>, <c>DemandAdminAsync</c> or
/// <c>ResolveAsync</c> returns, so a handler must call one of them before it changes anything.
/// Requests with Basic or Bearer credentials are not sessions and carry no token.</item>
/// <item><b>Routes</b>: <see cref="SignInPath"/> (GET the form, POST username/password/returnUrl),
/// <see cref="OidcPath"/> (GET, starts the code flow; <c>?returnUrl=/ui/…</c>), <see cref="CallbackPath"/> (the
/// redirect URI to register at the issuer), <see cref="SignOutPath"/> (POST with the CSRF field).</item>
/// </list>
/// </summary>
internal static class ConsoleSignIn
{
    public const string SignInPath = "/ui/signin";
    public const string OidcPath = "/ui/signin/oidc";
    public const string CallbackPath = "/ui/signin/callback";
    public const string SignOutPath = "/ui/signout";

    /// <summary>The request's console session, or null (not signed in, access control off, or not a /ui or /api path).</summary>
    /// <exception cref="Oci.FailureException"><see cref="Oci.Denied"/> for a state-changing request that fails the CSRF check.</exception>
    public static async ValueTask<ConsoleSession?> SessionAsync(HttpContext context) =>
        (await context.RequestServices.GetRequiredService<AccessControl>().AuthenticateAsync(context)).Session;

    /// <summary>The hidden form field with the session's CSRF token, for every form a page renders.</summary>
    public static string CsrfField(ConsoleSession session) =>
        $"""<input type="hidden" name="{CsrfCheck.FieldName}" value="{HtmlEncoder.Default.Encode(session.CsrfToken)}">""";

    /// <summary>The sign-out form (a button), CSRF field included.</summary>
    public static string SignOutForm(ConsoleSession session) =>
        $"""<form method="post" action="{SignOutPath}">{CsrfField(session)}<button type="submit">Sign out</button></form>""";

    /// <summary>Where a page sends a visitor who is not signed in, to come back to <paramref name="returnUrl"/>.</summary>
    public static string SignInUrl(string returnUrl) => $"{SignInPath}?returnUrl={Uri.EscapeDataString(SignInPage.LocalReturnUrl(returnUrl))}";
}
