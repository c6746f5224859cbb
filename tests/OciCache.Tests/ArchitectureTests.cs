using OciCache.Tests.Architecture;

namespace OciCache.Tests;

/// <summary>
/// Keeps the namespace order that <c>docs/ARCHITECTURE.md</c> draws ("Namespaces and their order") true of
/// the sources of both assemblies: no import runs back up the order, no namespaces import each other in a
/// cycle, Core imports nothing of the host, and no namespace spans both assemblies. The order is read from
/// the document, so the two cannot drift apart.
/// </summary>
public sealed class ArchitectureTests
{
    private const string Core = "src/OciCache.Core";
    private const string Host = "src/OciCache";

    private static readonly Lazy<(SourceImports Sources, string Markdown)> Repository = new(() =>
    {
        var root = RepositoryRoot();
        return (SourceImports.Read(root, Core, Host), File.ReadAllText(Path.Combine(root, "docs", "ARCHITECTURE.md")));
    });

    [Theory]
    [InlineData(Core)]
    [InlineData(Host)]
    public void Imports_WithinTheAssembly_FollowTheWrittenOrder(string assembly)
    {
        var failures = Breaches(assembly).Select(b => b.Message).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} import(s) run back up {assembly}'s namespace order:\n" + string.Join('\n', failures));
    }

    [Theory]
    [InlineData(Core)]
    [InlineData(Host)]
    public void Namespaces_ImportEachOther_InNoCycle(string assembly)
    {
        var (sources, _) = Repository.Value;
        var own = sources.NamespacesOf(assembly);
        var edges = Imports(assembly).Where(i => own.Contains(i.To)).ToList();
        var cycles = NamespaceCycles.Find(edges);
        Assert.True(cycles.Count == 0, $"{assembly} has namespace cycles:\n" + string.Join('\n', cycles));
    }

    [Fact]
    public void Core_ImportsNothingOfTheHost()
    {
        var (sources, _) = Repository.Value;
        var host = sources.NamespacesOf(Host);
        host.ExceptWith(sources.NamespacesOf(Core));
        var failures = Imports(Core).Where(i => host.Contains(i.To))
            .Select(i => $"{i.File}:{i.Line}: {i.From} imports {i.To}, a namespace of the host; Core is a library and knows nothing of the host").ToList();
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public void Namespaces_SpanOneAssemblyEach()
    {
        var (sources, _) = Repository.Value;
        var both = sources.NamespacesOf(Core).Intersect(sources.NamespacesOf(Host)).Order(StringComparer.Ordinal).ToList();
        Assert.True(both.Count == 0, "Namespaces declared in both assemblies: " + string.Join(", ", both));
    }

    [Theory]
    [InlineData(Core)]
    [InlineData(Host)]
    public void EveryNamespace_IsInTheWrittenOrder(string assembly)
    {
        var (sources, markdown) = Repository.Value;
        var order = NamespaceOrder.Read(markdown, assembly);
        var missing = sources.NamespacesOf(assembly).Where(ns => order.EntryOf(ns) is null).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"Namespaces of {assembly} not drawn in docs/ARCHITECTURE.md's order: " + string.Join(", ", missing));
        var empty = order.Entries.Where(e => !sources.NamespacesOf(assembly).Any(ns => order.EntryOf(ns) == e)).Select(e => e.Name).ToList();
        Assert.True(empty.Count == 0, $"docs/ARCHITECTURE.md draws namespaces {assembly} does not have: " + string.Join(", ", empty));
    }

    private static List<Import> Imports(string assembly)
    {
        var (sources, _) = Repository.Value;
        return sources.Files.Where(f => f.Assembly == assembly).SelectMany(sources.ImportsOf).ToList();
    }

    private static List<(Import Import, string Message)> Breaches(string assembly)
    {
        var (sources, markdown) = Repository.Value;
        var order = NamespaceOrder.Read(markdown, assembly);
        var breaches = new List<(Import, string)>();
        foreach (var import in Imports(assembly))
        {
            if (order.EntryOf(import.From) is { } from && order.EntryOf(import.To) is { } to && order.Breach(from, to) is { } rule)
            {
                breaches.Add((import, $"{import.File}:{import.Line}: {import.From} imports {import.To}: {rule}"));
            }
        }

        return breaches;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OciCache.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No OciCache.sln above {AppContext.BaseDirectory}: the architecture tests read the sources from the repository.");
    }
}
