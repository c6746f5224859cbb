using System.Text.RegularExpressions;

namespace OciCache.Tests.Architecture;

/// <summary>One import of an OciCache namespace by a source file: where it is and what it names.</summary>
internal sealed record Import(string File, int Line, string From, string To);

/// <summary>One C# file of an assembly: its path from the repository root, its namespace ("" for the global one) and the types it declares.</summary>
internal sealed record SourceFile(string Assembly, string Path, string Namespace, IReadOnlyList<string> Types, string Code);

/// <summary>
/// Reads the C# sources of the assemblies and the OciCache namespaces each file imports. An import is a
/// <c>using</c> directive (also <c>global using</c>, <c>using static</c> and an alias
/// <c>using X = OciCache.…;</c>, each naming the namespace that declares what it names), a qualified name
/// in code whose last part is a type declared in the namespace it spells (<c>OciCache.Auth.RobotName</c>,
/// or <c>Auth.RobotName</c> inside <c>OciCache.…</c>), and a simple name of a type declared in an enclosing
/// namespace (seen without a using). Comments and literals are blanked first (<see cref="CSharpText"/>).
/// </summary>
internal sealed partial class SourceImports
{
    private readonly Dictionary<string, HashSet<string>> _types = new(StringComparer.Ordinal);

    private SourceImports(IReadOnlyList<SourceFile> files)
    {
        Files = files;
        foreach (var file in files)
        {
            if (!_types.TryGetValue(file.Namespace, out var types))
            {
                _types[file.Namespace] = types = new HashSet<string>(StringComparer.Ordinal);
            }

            types.UnionWith(file.Types);
        }
    }

    public IReadOnlyList<SourceFile> Files { get; }

    /// <summary>The namespaces declared by the files of <paramref name="assembly"/>.</summary>
    public ISet<string> NamespacesOf(string assembly) =>
        Files.Where(f => f.Assembly == assembly).Select(f => f.Namespace).ToHashSet(StringComparer.Ordinal);

    /// <summary>Reads every <c>*.cs</c> below each assembly folder (a path from the repository root), leaving out <c>bin</c> and <c>obj</c>.</summary>
    public static SourceImports Read(string repositoryRoot, params string[] assemblies)
    {
        var files = new List<SourceFile>();
        foreach (var assembly in assemblies)
        {
            foreach (var path in Directory.EnumerateFiles(Path.Combine(repositoryRoot, assembly), "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(repositoryRoot, path).Replace('\\', '/');
                if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
                {
                    continue;
                }

                var code = CSharpText.BlankCommentsAndStrings(File.ReadAllText(path));
                var ns = NamespaceDeclaration().Match(code) is { Success: true } m ? m.Groups[1].Value : "";
                var types = TypeDeclaration().Matches(code).Select(t => t.Groups[1].Value).ToList();
                files.Add(new SourceFile(assembly, relative, ns, types, code));
            }
        }

        return new SourceImports(files);
    }

    /// <summary>Every OciCache namespace other than its own that <paramref name="file"/> imports, once each, at its first line.</summary>
    public IReadOnlyList<Import> ImportsOf(SourceFile file)
    {
        var found = new List<(int Offset, string To)>();
        foreach (Match directive in UsingDirective().Matches(file.Code))
        {
            if (NamespaceOf(directive.Groups[1].Value.Split('.')) is { } ns)
            {
                found.Add((directive.Index, ns));
            }
        }

        var code = UsingDirective().Replace(NamespaceDeclaration().Replace(file.Code, Blank), Blank);
        foreach (Match name in QualifiedName().Matches(code))
        {
            var parts = name.Groups[1].Value.Split('.');
            for (var length = parts.Length - 1; length >= 1; length--)
            {
                var prefix = string.Join('.', parts, 0, length);
                var ns = parts[0] == "OciCache" ? prefix : file.Namespace.StartsWith("OciCache", StringComparison.Ordinal) ? "OciCache." + prefix : null;
                if (ns is not null && _types.TryGetValue(ns, out var types) && types.Contains(parts[length]))
                {
                    found.Add((name.Index, ns));
                    break;
                }
            }
        }

        foreach (var enclosing in Enclosing(file.Namespace))
        {
            foreach (var type in _types.GetValueOrDefault(enclosing) ?? [])
            {
                if (Regex.Match(code, $@"(?<![\w.]){type}\b") is { Success: true } use)
                {
                    found.Add((use.Index, enclosing));
                }
            }
        }

        var lines = CSharpText.LineStarts(file.Code);
        return found.Where(f => f.To != file.Namespace)
            .GroupBy(f => f.To)
            .Select(g => new Import(file.Path, CSharpText.LineOf(lines, g.Min(f => f.Offset)), file.Namespace, g.Key))
            .ToList();
    }

    /// <summary>The longest known namespace that <paramref name="parts"/> starts with (a using names a namespace, a using static or an alias may name a type).</summary>
    private string? NamespaceOf(string[] parts)
    {
        for (var length = parts.Length; length >= 1; length--)
        {
            var prefix = string.Join('.', parts, 0, length);
            if (_types.ContainsKey(prefix))
            {
                return prefix;
            }
        }

        return null;
    }

    private static IEnumerable<string> Enclosing(string ns)
    {
        for (var dot = ns.LastIndexOf('.'); dot > 0; dot = ns.LastIndexOf('.', dot - 1))
        {
            yield return ns[..dot];
        }
    }

    private static string Blank(Match match) => new(' ', match.Length);

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    // Top-level declarations start at the line's beginning (file-scoped namespaces); nested types are reached through their outer type.
    [GeneratedRegex(@"^(?:(?:public|internal|file|sealed|static|abstract|readonly|partial|unsafe|ref)\s+)*(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?|delegate\s+[\w<>\[\],.?]+)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^[ \t]*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?(OciCache(?:\.\w+)*)[^;\n]*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.:])(?:global::)?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)")]
    private static partial Regex QualifiedName();
}
