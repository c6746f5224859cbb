using System.Globalization;

namespace OciCache.WebConsole.Pages;

/// <summary>Storage: used against the budget and the free-space floor, quotas, bytes per upstream, largest images, evictions, pins.</summary>
internal static class StoragePage
{
    public static string Render(StorageData data, ConsoleViewer viewer)
    {
        var html = new Html();
        var budget = data.BudgetBytes > 0 ? data.BudgetBytes : data.CachedBytes + data.FreeBytes;
        var used = budget == 0 ? 0 : Math.Min(1.0, (double)data.CachedBytes / budget);
        html.Raw("<section class=\"card wide\"><h2>Cache budget</h2>")
            .Raw($"<svg class=\"meter\" viewBox=\"0 0 1000 24\" preserveAspectRatio=\"none\" role=\"img\"><title>")
            .Text($"{Html.Percent(used)} of the budget used").Raw("</title>")
            .Raw("<rect class=\"track\" x=\"0\" y=\"0\" width=\"1000\" height=\"24\"></rect>")
            .Raw($"<rect class=\"{(data.BudgetBytes > 0 && used > data.LowWaterPercent / 100.0 ? "used over" : "used")}\" x=\"0\" y=\"0\" width=\"{(used * 1000).ToString("0", CultureInfo.InvariantCulture)}\" height=\"24\"></rect>");
        if (data.BudgetBytes > 0)
        {
            // The low-water mark is a share of the budget: without one there is nothing to draw it on.
            html.Raw($"<rect class=\"low\" x=\"{data.LowWaterPercent * 10}\" y=\"0\" width=\"3\" height=\"24\"></rect>");
        }

        html.Raw("</svg><dl>");
        Field(html, "Stored (bytes on disk, each blob once)", Html.Bytes(data.StoredBytes));
        Field(html, "Cached upstream content (what the budget counts; shared with local images: not counted)", Html.Bytes(data.CachedBytes));
        Field(html, "Budget (Storage:MaxCacheBytes)", data.BudgetBytes > 0 ? Html.Bytes(data.BudgetBytes) : "none (the free-space floor decides)");
        Field(html, "Free on the data volume", Html.Bytes(data.FreeBytes));
        Field(html, "Free-space floor (Storage:MinFreeBytes)", Html.Bytes(data.MinFreeBytes));
        Field(html, "Evicts down to", $"{data.LowWaterPercent} % of a limit");
        html.Raw("</dl></section>");

        if (data.Quotas.Count > 0)
        {
            html.Element("h2", "Quotas").Raw("<div class=\"table\"><table>").Head("Quota", "Repositories", "Used", "Limit", "Share").Raw("<tbody>");
            foreach (var quota in data.Quotas)
            {
                html.Row(quota.Name, string.Join(", ", quota.Repositories), Html.Bytes(quota.UsedBytes), Html.Bytes(quota.MaxBytes),
                    Html.Percent(Math.Min(1.0, (double)quota.UsedBytes / quota.MaxBytes)));
            }

            html.Raw("</tbody></table></div>").Element("p",
                "Each blob and manifest counts once per quota, however many of its repositories hold it; deletes give space back once garbage collection removes what only the quota held.",
                "muted");
        }

        html.Element("h2", "By origin").Raw("<div class=\"table\"><table>").Head("Origin", "Bytes").Raw("<tbody>");
        foreach (var (upstream, bytes) in data.Origins.OnlyBy)
        {
            html.Row(upstream.Length == 0 ? "only local (pushed)" : $"only {upstream}", Html.Bytes(bytes));
        }

        html.Row("shared by several origins", Html.Bytes(data.Origins.SharedBytes));
        var unreferenced = data.StoredBytes - data.Origins.OnlyBy.Values.Sum() - data.Origins.SharedBytes;
        if (unreferenced > 0)
        {
            html.Row("held by no repository (garbage collection removes it)", Html.Bytes(unreferenced));
        }

        html.Raw("</tbody></table></div>").Element("p", "Each stored byte is counted once; the rows add up to the bytes stored.", "muted");
        html.Element("h2", "Largest images").Raw("<div class=\"table\"><table>").Head("Repository", "Tags", "Digest", "Size").Raw("<tbody>");
        foreach (var image in data.Largest)
        {
            html.Row(image.Repository, string.Join(", ", image.Tags), Short(image.Digest.ToString()), Html.Bytes(image.Bytes));
        }

        html.Raw("</tbody></table></div>");
        html.Element("h2", "Next in line for eviction").Raw("<div class=\"table\"><table>").Head("Repository", "Tags", "Digest", "Last used", "Frees").Raw("<tbody>");
        foreach (var (c, bytes) in data.NextInLine)
        {
            html.Row(c.Repository?.Name ?? "(unreferenced blob)", string.Join(", ", c.Tags), Short(c.Digest.ToString()), Html.Time(c.LastAccess), Html.Bytes(bytes));
        }

        html.Raw("</tbody></table></div>");
        html.Element("h2", "Recent evictions").Raw("<div class=\"table\"><table>").Head("When", "Repository", "Tags", "Freed").Raw("<tbody>");
        foreach (var e in data.RecentEvictions)
        {
            html.Row(Html.Time(e.At), e.Repository ?? "(blob)", string.Join(", ", e.Tags), Html.Bytes(e.Bytes));
        }

        html.Raw("</tbody></table></div>");
        if (data.RecentEvictions.Count == 0)
        {
            html.Element("p", "Nothing evicted since the start.", "muted");
        }

        html.Element("h2", "Pins").Raw("<div class=\"table\"><table>").Head("Pattern", "From", "").Raw("<tbody>");
        foreach (var pin in data.ConfiguredPins)
        {
            html.Row(pin, "Storage:Pins", "");
        }

        var forms = viewer is { IsAdmin: true, CsrfToken: not null };
        foreach (var pin in data.RuntimePins)
        {
            html.Raw("<tr>").Element("td", pin.Pattern).Element("td", $"added by {pin.CreatedBy ?? "?"} {Html.Time(pin.CreatedAt)}").Raw("<td>");
            if (forms)
            {
                html.Raw($"<form class=\"api\" data-method=\"DELETE\" data-action=\"/api/pins?pattern={Uri.EscapeDataString(pin.Pattern)}\"><button>Remove</button></form>");
            }

            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table></div>");
        if (forms)
        {
            html.Raw("<form class=\"api\" data-method=\"POST\" data-action=\"/api/pins\"><label>Pin <input name=\"pattern\" required maxlength=\"256\" placeholder=\"docker.io/library/nginx:1.27\"></label><button>Add pin</button></form>");
        }

        return ConsoleLayout.Render("Storage", "/ui/storage", viewer, html);
    }

    public static string Short(string digest) => digest.Length > 19 ? digest[..19] + "…" : digest;

    private static void Field(Html html, string label, string value) => html.Element("dt", label).Element("dd", value);
}
