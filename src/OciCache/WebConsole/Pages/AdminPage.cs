using OciCache.Auth;

namespace OciCache.WebConsole.Pages;

/// <summary>
/// Admin: robot accounts (create with the secret shown once, remove), the signed-in person's API keys,
/// everyone's API keys (admins revoke any), the audit log with filters.
/// </summary>
internal static class AdminPage
{
    public static string Render(
        IReadOnlyList<RobotAccount> robots, IReadOnlyList<ApiKey> keys, IReadOnlyList<ApiKey> everyonesKeys, IReadOnlyList<AuditLine> audit,
        AuditFilter filter, DateTimeOffset now, ConsoleViewer viewer)
    {
        var html = new Html();
        if (!viewer.AccessControl)
        {
            html.Element("p", "With access control off there are no robot accounts, API keys or audit log.", "muted");
            return ConsoleLayout.Render("Admin", "/ui/admin", viewer, html);
        }

        if (!viewer.IsAdmin)
        {
            html.Element("p", "Robot accounts and the audit log are for the admin group (Auth:AdminGroup).", "muted");
        }

        var forms = viewer is { IsAdmin: true, CsrfToken: not null };
        if (viewer.IsAdmin)
        {
            html.Element("h2", "Robot accounts").Raw("<div class=\"table\"><table>").Head("Name", "Scopes", "Created", "Expires", "").Raw("<tbody>");
            foreach (var robot in robots)
            {
                var expired = robot.ExpiresAt is { } e && now >= e;
                html.Raw("<tr>").Element("td", robot.UserName).Element("td", string.Join(" ", robot.Scopes))
                    .Element("td", Html.Time(robot.CreatedAt)).Element("td", robot.ExpiresAt is null ? "never" : Html.Time(robot.ExpiresAt) + (expired ? " (expired)" : "")).Raw("<td>");
                if (forms)
                {
                    html.Raw($"<form class=\"api\" data-method=\"DELETE\" data-action=\"/api/robots/{Uri.EscapeDataString(robot.Name)}\"><button>Remove</button></form>");
                }

                html.Raw("</td></tr>");
            }

            html.Raw("</tbody></table></div>");
            if (forms)
            {
                html.Raw("<form class=\"api\" data-method=\"POST\" data-action=\"/api/robots\" data-shows=\"secret\">")
                    .Raw("<label>Name <input name=\"name\" required pattern=\"[a-z0-9][a-z0-9._\\-]{0,63}\"></label>")
                    .Raw("<label>Scopes <input name=\"scopes\" required placeholder=\"repository:site/*:pull,push\"></label>")
                    .Raw("<label>Expires <input name=\"expires\" placeholder=\"90d\"></label><button>Create robot</button></form>")
                    .Raw("<p class=\"secret\" hidden></p>");
            }
        }

        html.Element("h2", "My API keys");
        if (viewer.CsrfToken is null)
        {
            html.Element("p", "Sign in to the console to create and revoke personal API keys.", "muted");
        }
        else
        {
            html.Element("p", $"A key works as the password of {viewer.Who} for skopeo, podman, helm and containerd, within its scopes.", "muted")
                .Raw("<div class=\"table\"><table>").Head("Name", "Scopes", "Created", "Expires", "").Raw("<tbody>");
            foreach (var key in keys)
            {
                html.Raw("<tr>").Element("td", key.Name).Element("td", string.Join(" ", key.Scopes)).Element("td", Html.Time(key.CreatedAt))
                    .Element("td", Html.Time(key.ExpiresAt) + (now >= key.ExpiresAt ? " (expired)" : ""))
                    .Raw($"<td><form class=\"api\" data-method=\"DELETE\" data-action=\"/api/keys/{Uri.EscapeDataString(key.Id)}\"><button>Revoke</button></form></td></tr>");
            }

            html.Raw("</tbody></table></div>")
                .Raw("<form class=\"api\" data-method=\"POST\" data-action=\"/api/keys\" data-shows=\"key\">")
                .Raw("<label>Name <input name=\"name\" required maxlength=\"64\" placeholder=\"laptop\"></label>")
                .Raw("<label>Scopes <input name=\"scopes\" required placeholder=\"repository:site/*:pull,push\"></label>")
                .Raw("<label>Expires <input name=\"expiresAt\" placeholder=\"2027-01-31T00:00:00Z\"></label><button>Create key</button></form>")
                .Raw("<p class=\"secret\" hidden></p>");
        }

        if (viewer.IsAdmin)
        {
            html.Element("h2", "Everyone's API keys")
                .Element("p", "Revoke a key here when its person cannot: it and its tokens stop at the next request.", "muted")
                .Raw("<div class=\"table\"><table id=\"all-keys\">").Head("Person", "Name", "Scopes", "Sign-in", "Created", "Expires", "").Raw("<tbody>");
            foreach (var key in everyonesKeys)
            {
                html.Raw("<tr>").Element("td", key.User).Element("td", key.Name).Element("td", string.Join(" ", key.Scopes))
                    .Element("td", key.FromIssuer ? "OIDC" : "htpasswd").Element("td", Html.Time(key.CreatedAt))
                    .Element("td", Html.Time(key.ExpiresAt) + (now >= key.ExpiresAt ? " (expired)" : "")).Raw("<td>");
                if (forms)
                {
                    html.Raw($"<form class=\"api\" data-method=\"DELETE\" data-action=\"/api/admin/keys/{Uri.EscapeDataString(key.Id)}\"><button>Revoke</button></form>");
                }

                html.Raw("</td></tr>");
            }

            html.Raw("</tbody></table></div>");
        }

        if (viewer.IsAdmin)
        {
            html.Element("h2", "Audit log")
                .Raw("<form class=\"search\" method=\"get\" action=\"/ui/admin\">")
                .Raw("<input name=\"action\" placeholder=\"action\" value=\"").Raw(Html.Attr(filter.Action)).Raw("\">")
                .Raw("<input name=\"who\" placeholder=\"who\" value=\"").Raw(Html.Attr(filter.Who)).Raw("\">")
                .Raw("<input name=\"repository\" placeholder=\"repository\" value=\"").Raw(Html.Attr(filter.Repository)).Raw("\">")
                .Raw("<button>Filter</button></form>")
                .Raw("<div class=\"table\"><table>").Head("Time", "Action", "Result", "Who", "Source", "Repository", "Detail").Raw("<tbody>");
            foreach (var line in audit)
            {
                html.Row(Html.Time(new DateTimeOffset(DateTime.SpecifyKind(line.Time, DateTimeKind.Utc))), line.Action, line.Result, line.Who, line.Source,
                    line.Repository is null ? line.Reference : $"{line.Repository}{(line.Reference is null ? "" : ":" + line.Reference)}",
                    line.Count is { } count ? $"×{count} {line.Detail}" : line.Detail);
            }

            html.Raw("</tbody></table></div>");
        }

        return ConsoleLayout.Render("Admin", "/ui/admin", viewer, html);
    }
}
