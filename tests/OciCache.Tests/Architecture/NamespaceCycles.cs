namespace OciCache.Tests.Architecture;

/// <summary>
/// Finds namespaces that import each other, directly or around a loop: the strongly connected components
/// (Tarjan) of the import graph with more than one namespace. Each is described by its namespaces and by
/// one import per edge inside it (file and line), so the message says where to cut.
/// </summary>
internal static class NamespaceCycles
{
    public static IReadOnlyList<string> Find(IReadOnlyList<Import> imports)
    {
        var graph = imports.GroupBy(i => i.From).ToDictionary(g => g.Key, g => g.Select(i => i.To).Distinct().Order(StringComparer.Ordinal).ToList());
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                if (component.Count > 1)
                {
                    components.Add(component);
                }
            }
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return components.Select(c =>
        {
            var members = c.ToHashSet();
            var edges = imports.Where(i => members.Contains(i.From) && members.Contains(i.To))
                .GroupBy(i => (i.From, i.To)).Select(g => g.First())
                .Select(i => $"    {i.From} → {i.To} ({i.File}:{i.Line})");
            return $"  {string.Join(" ⇄ ", c.Order(StringComparer.Ordinal))}:\n{string.Join('\n', edges)}";
        }).ToList();
    }
}
