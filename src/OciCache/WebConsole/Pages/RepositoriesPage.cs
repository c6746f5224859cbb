namespace OciCache.WebConsole.Pages;

/// <summary>Repositories: a search form (GET, works without script), the page of matches, and per repository its tags.</summary>
internal static class RepositoriesPage
{
    public static string RenderList(RepositoryPage page, string? query, ConsoleViewer viewer)
    {
        var html = new Html();
        html.Raw("<form class=\"search\" method=\"get\" action=\"/ui/repositories\"><input type=\"search\" name=\"q\" placeholder=\"search repositories\" value=\"")
            .Raw(Html.Attr(query)).Raw("\"><button>Search</button></form>");
        html.Raw("<div class=\"table\"><table>").Head("Repository", "Kind", "Tags", "Size", "Updated").Raw("<tbody>");
        foreach (var r in page.Repositories)
        {
            html.Raw("<tr><td>").Link("/ui/repositories/" + r.Name, r.Name).Raw("</td>")
                .Element("td", r.Upstream is null ? "local" : $"mirror of {r.Upstream}")
                .Element("td", r.Tags.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Element("td", Html.Bytes(r.Bytes)).Element("td", Html.Time(r.UpdatedAt)).Raw("</tr>");
        }

        html.Raw("</tbody></table></div>");
        if (page.Repositories.Count == 0)
        {
            html.Element("p", query is { Length: > 0 } ? "No repository matches." : "Nothing stored yet.", "muted");
        }

        if (page.Next is { } next)
        {
            html.Link($"/ui/repositories?q={Uri.EscapeDataString(query ?? "")}&last={Uri.EscapeDataString(next)}", "Next page", "button");
        }

        return ConsoleLayout.Render("Repositories", "/ui/repositories", viewer, html);
    }

    public static string RenderTags(RepositoryTags tags, PullCommands commands, ConsoleViewer viewer)
    {
        var html = new Html();
        var r = tags.Repository;
        html.Raw("<p>").Link("/ui/repositories", "← all repositories").Raw("</p>")
            .Element("p", $"{(r.Upstream is null ? "Local repository" : $"Mirror of {r.Upstream}")} · {Html.Count(r.Tags, "tag")} · {Html.Bytes(r.Bytes)}", "muted");
        foreach (var tag in tags.Tags)
        {
            var row = tag.Row;
            html.Raw("<section class=\"card wide tag\"><h2>").Text(row.Tag);
            foreach (var referrer in tag.Referrers)
            {
                var badge = PullCommands.Badge(referrer.ArtifactType);
                html.Raw($" <span class=\"badge {badge}\" title=\"{Html.Attr(referrer.ArtifactType ?? referrer.MediaType)}\">").Text(badge).Raw("</span>");
            }

            html.Raw("</h2><dl>")
                .Element("dt", "Digest").Raw("<dd><code>").Text(row.Digest.ToString()).Raw("</code></dd>")
                .Element("dt", "Size").Element("dd", Html.Bytes(row.Bytes))
                .Element("dt", "Platforms").Element("dd", tag.Platforms.Count == 0 ? "–" : string.Join(", ", tag.Platforms))
                .Element("dt", "Updated").Element("dd", Html.Time(row.UpdatedAt))
                .Element("dt", "Last pulled").Element("dd", Html.Time(row.LastPulled))
                .Element("dt", "Pulls").Element("dd", Html.Number(row.Pulls));
            if (tag.Signature is { } signature)
            {
                html.Element("dt", "Signature").Element("dd", signature, signature.StartsWith("signed", StringComparison.Ordinal) ? "signed" : "unsigned");
            }

            html.Raw("</dl><div class=\"pull\">");
            foreach (var (client, command) in commands.For(r, row.Tag))
            {
                html.Raw("<div class=\"command\"><span class=\"client\">").Text(client).Raw("</span><code>").Text(command)
                    .Raw($"</code><button type=\"button\" class=\"copy\" data-copy=\"{Html.Attr(command)}\">Copy</button></div>");
            }

            if (commands.CaHint is { } hint)
            {
                html.Element("p", hint, "muted");
            }

            html.Raw("</div></section>");
        }

        if (tags.Tags.Count == 0)
        {
            html.Element("p", "No tags (content by digest only).", "muted");
        }

        return ConsoleLayout.Render(r.Name, "/ui/repositories", viewer, html);
    }
}
