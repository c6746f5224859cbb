namespace OciCache.WebConsole.Pages;

/// <summary>The frame of every console page: head with the one stylesheet and script, navigation, who is looking, the notice when read-only.</summary>
internal static class ConsoleLayout
{
    private static readonly (string Path, string Title)[] Pages =
    [
        ("/ui/overview", "Overview"),
        ("/ui/storage", "Storage"),
        ("/ui/repositories", "Repositories"),
        ("/ui/prefetch", "Pre-fetch"),
        ("/ui/admin", "Admin"),
    ];

    public static string Render(string title, string active, ConsoleViewer viewer, Html body)
    {
        var page = new Html();
        page.Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Raw("<title>").Text($"{title} · OciCache").Raw("</title>")
            .Raw($"<link rel=\"icon\" href=\"{ConsoleAssets.IconPath}\" type=\"image/svg+xml\">")
            .Raw($"<link rel=\"stylesheet\" href=\"{ConsoleAssets.StylePath}\">")
            .Raw($"<script src=\"{ConsoleAssets.ScriptPath}\" defer></script>");
        if (viewer.CsrfToken is { } csrf)
        {
            page.Raw("<meta name=\"csrf-token\" content=\"").Raw(Html.Attr(csrf)).Raw("\">");
        }

        page.Raw("</head><body><header><a class=\"brand\" href=\"/ui/overview\">")
            .Raw($"<img src=\"{ConsoleAssets.IconPath}\" alt=\"\" width=\"24\" height=\"24\">OciCache</a><nav>");
        foreach (var (path, name) in Pages)
        {
            page.Link(path, name, path == active ? "active" : null);
        }

        page.Raw("</nav><span class=\"who\">");
        if (!viewer.AccessControl)
        {
            page.Text("access control off");
        }
        else if (viewer.Caller.Identity is { } identity)
        {
            page.Text(identity.Name + (viewer.IsAdmin ? " (admin)" : ""));
            if (viewer.CsrfToken is { } token)
            {
                page.Raw("<form class=\"signout\" method=\"post\" action=\"/ui/signout\"><input type=\"hidden\" name=\"_csrf\" value=\"")
                    .Raw(Html.Attr(token)).Raw("\"><button>Sign out</button></form>");
            }
        }
        else
        {
            page.Link("/ui/signin?returnUrl=" + Uri.EscapeDataString(active), "Sign in");
        }

        page.Raw("</span></header><main>");
        if (viewer.ReadOnly)
        {
            page.Raw("<p class=\"notice\">").Text("Read-only: access control is off (no Auth section), so nobody signs in and the console changes nothing. Pins, pre-fetch runs and robot accounts are managed once Auth and Auth:AdminGroup are set.").Raw("</p>");
        }

        page.Element("h1", title).Raw(body.ToString()).Raw("</main></body></html>");
        return page.ToString();
    }
}
