using System.Globalization;
using System.Net;
using System.Text;

namespace OciCache.WebConsole.Pages;

/// <summary>
/// A small HTML writer: <see cref="Text"/> encodes everything it is given, <see cref="Raw"/> takes only the
/// pages' own markup (literals in this folder). No inline style or script anywhere: the Content-Security-Policy
/// (<c>default-src 'self'</c>) would refuse them.
/// </summary>
internal sealed class Html
{
    private readonly StringBuilder _out = new(8 * 1024);

    public Html Raw(string markup)
    {
        _out.Append(markup);
        return this;
    }

    public Html Text(string? text)
    {
        _out.Append(WebUtility.HtmlEncode(text ?? ""));
        return this;
    }

    /// <summary><c>&lt;tag class="…"&gt;text&lt;/tag&gt;</c> with the text encoded.</summary>
    public Html Element(string tag, string? text, string? cssClass = null)
    {
        _out.Append('<').Append(tag);
        if (cssClass is not null)
        {
            _out.Append(" class=\"").Append(cssClass).Append('"');
        }

        _out.Append('>');
        Text(text);
        _out.Append("</").Append(tag).Append('>');
        return this;
    }

    public Html Link(string href, string text, string? cssClass = null)
    {
        _out.Append("<a href=\"").Append(WebUtility.HtmlEncode(href)).Append('"');
        if (cssClass is not null)
        {
            _out.Append(" class=\"").Append(cssClass).Append('"');
        }

        _out.Append('>');
        Text(text);
        _out.Append("</a>");
        return this;
    }

    /// <summary>A table row of encoded cells.</summary>
    public Html Row(params string?[] cells)
    {
        _out.Append("<tr>");
        foreach (var cell in cells)
        {
            Element("td", cell);
        }

        _out.Append("</tr>");
        return this;
    }

    public Html Head(params string[] cells)
    {
        _out.Append("<thead><tr>");
        foreach (var cell in cells)
        {
            Element("th", cell);
        }

        _out.Append("</tr></thead>");
        return this;
    }

    public override string ToString() => _out.ToString();

    public static string Attr(string? value) => WebUtility.HtmlEncode(value ?? "");

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "never";

    public static string Percent(double? ratio) => ratio is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A count with its noun, singular for one: <c>1 tag</c>, <c>3 tags</c>.</summary>
    public static string Count(long value, string noun) => $"{Number(value)} {noun}{(value == 1 ? "" : "s")}";
}
