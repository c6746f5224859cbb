using System.Text.RegularExpressions;

namespace OciCache.Tests.Architecture;

/// <summary>
/// One line of a written order: a folder's namespace, its level (1 at the bottom) and, when the drawing
/// says "uses … only", the namespaces it may import.
/// </summary>
internal sealed record OrderEntry(string Name, string Namespace, int Level, IReadOnlyList<string>? UsesOnly);

/// <summary>
/// The namespace order of one assembly as <c>docs/ARCHITECTURE.md</c> draws it: the fenced block after the
/// line <c>&lt;!-- namespace-order: src/… --&gt;</c>. In it a line that starts with one space and a name is
/// an entry (<c>OciCache</c> is the root namespace, <c>(global)</c> the global one, any other name
/// <c>OciCache.&lt;name&gt;</c>); a line of only <c>▲</c> starts the next level up; lines indented further
/// continue the entry above. An entry may import what is on a lower level; with "(uses A, B and C only)"
/// in its text, only those.
/// </summary>
internal sealed partial class NamespaceOrder
{
    private NamespaceOrder(string assembly, IReadOnlyList<OrderEntry> entries)
    {
        Assembly = assembly;
        Entries = entries;
    }

    public string Assembly { get; }

    public IReadOnlyList<OrderEntry> Entries { get; }

    public static NamespaceOrder Read(string markdown, string assembly)
    {
        var marker = $"<!-- namespace-order: {assembly} -->";
        var at = markdown.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"docs/ARCHITECTURE.md has no line '{marker}' before the drawing of {assembly}'s namespace order.");
        var open = markdown.IndexOf("```", at, StringComparison.Ordinal);
        var close = markdown.IndexOf("```", open + 3, StringComparison.Ordinal);
        Assert.True(open >= 0 && close > open, $"docs/ARCHITECTURE.md: no fenced block after '{marker}'.");
        var block = markdown[(markdown.IndexOf('\n', open) + 1)..close];

        var level = 1;
        var entries = new List<(string Name, int Level, string Text)>();
        foreach (var line in block.Split('\n'))
        {
            if (line.Trim() == "▲")
            {
                level++;
            }
            else if (EntryLine().Match(line) is { Success: true } entry)
            {
                entries.Add((entry.Groups[1].Value, level, entry.Groups[2].Value));
            }
            else if (line.Trim().Length > 0 && entries.Count > 0)
            {
                entries[^1] = entries[^1] with { Text = entries[^1].Text + " " + line.Trim() };
            }
        }

        Assert.NotEmpty(entries);
        return new NamespaceOrder(assembly, entries.Select(e => new OrderEntry(e.Name, NamespaceOf(e.Name), e.Level,
            UsesOnly().Match(e.Text) is { Success: true } only ? NameList().Split(only.Groups[1].Value).Select(n => NamespaceOf(n.Trim())).ToList() : null)).ToList());
    }

    /// <summary>The entry a declared namespace belongs to: its own line, or its folder's (<c>OciCache.WebConsole.Api</c> is <c>WebConsole</c>'s).</summary>
    public OrderEntry? EntryOf(string ns) =>
        Entries.FirstOrDefault(e => e.Namespace == ns) ??
        Entries.Where(e => e.Namespace.Length > 0 && e.Name != "OciCache" && ns.StartsWith(e.Namespace + ".", StringComparison.Ordinal))
            .MaxBy(e => e.Namespace.Length);

    /// <summary>Why importing <paramref name="to"/> from <paramref name="from"/> breaks the order; null when it does not.</summary>
    public string? Breach(OrderEntry from, OrderEntry to)
    {
        if (from == to)
        {
            return null;
        }

        if (to.Level >= from.Level)
        {
            var where = to.Level == from.Level ? "beside" : "above";
            return $"the order in docs/ARCHITECTURE.md puts {to.Name} {where} {from.Name}, which may import only what is drawn below it";
        }

        return from.UsesOnly is { } only && !only.Contains(to.Namespace)
            ? $"docs/ARCHITECTURE.md says {from.Name} uses {string.Join(", ", only.Select(Short))} only"
            : null;
    }

    private static string NamespaceOf(string name) => name switch
    {
        "(global)" => "",
        "OciCache" => "OciCache",
        _ => "OciCache." + name,
    };

    private static string Short(string ns) => ns.StartsWith("OciCache.", StringComparison.Ordinal) ? ns["OciCache.".Length..] : ns;

    [GeneratedRegex(@"^ (\(global\)|[A-Za-z][\w.]*)(?:\s+(.*))?$")]
    private static partial Regex EntryLine();

    [GeneratedRegex(@"\(uses ([^)]*?) only\)")]
    private static partial Regex UsesOnly();

    [GeneratedRegex(@",|\band\b")]
    private static partial Regex NameList();
}
