using OciCache.Access;
using OciCache.Auth;
using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.WebConsole;

/// <summary>
/// Who looks at the console or calls <c>/api/</c>, and what they may see: repository data only where the
/// caller may pull, robots and the audit log only for the admin group. With access control off everyone
/// reads everything and the console changes nothing (<see cref="ReadOnly"/>).
/// </summary>
/// <param name="CsrfToken">The token forms must carry, when the person signed in to the console; null: no forms.</param>
internal sealed record ConsoleViewer(Caller Caller, bool AccessControl, bool IsAdmin, string? CsrfToken)
{
    /// <summary>True when the console offers no change (access control off).</summary>
    public bool ReadOnly => !AccessControl;

    public string Who => Identity.WhoOf(Caller.Identity);

    /// <summary>Signed in to the console (a session cookie), rather than calling with Basic or Bearer credentials.</summary>
    public bool SignedIn => Caller.Session is not null;

    /// <summary>
    /// The request's caller as <see cref="Auth.AccessControl"/> sees it: the console session (its CSRF token for
    /// forms and scripts; AccessControl checks it on every state-changing request) or Basic / Bearer credentials.
    /// </summary>
    public static async ValueTask<ConsoleViewer> ResolveAsync(HttpContext context)
    {
        var access = context.RequestServices.GetRequiredService<AccessControl>();
        if (!access.Enabled)
        {
            return new ConsoleViewer(Caller.Anonymous, false, false, null);
        }

        var caller = await access.ResolveAsync(context);
        return new ConsoleViewer(caller, true, access.Policy.IsAdmin(caller.Identity), caller.Session?.CsrfToken);
    }

    /// <summary>Whether the viewer may pull the stored repository <paramref name="name"/> (of <paramref name="upstream"/>, null: local).</summary>
    public bool MayPull(HttpContext context, string name, string? upstream)
    {
        if (!AccessControl)
        {
            return true;
        }

        var repository = upstream is not null && name.StartsWith(upstream + "/", StringComparison.Ordinal)
            ? Repository.Mirror(upstream, name[(upstream.Length + 1)..])
            : Repository.Local(name);
        return context.RequestServices.GetRequiredService<AccessControl>().Allowed(Caller, repository).HasFlag(AccessActions.Pull);
    }
}
