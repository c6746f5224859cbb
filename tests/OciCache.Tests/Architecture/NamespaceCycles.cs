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

        return components.Select(c => Describe(c.ToHashSet(), imports)).ToList();
    }

    /// <summary>One shortest loop through the component's first namespace, each step with the import that makes it.</summary>
    private static string Describe(HashSet<string> members, IReadOnlyList<Import> imports)
    {
        var inside = imports.Where(i => members.Contains(i.From) && members.Contains(i.To)).ToList();
        var start = members.Order(StringComparer.Ordinal).First();
        var via = new Dictionary<string, Import>();
        var queue = new Queue<string>([start]);
        while (queue.Count > 0 && !via.ContainsKey(start))
        {
            var node = queue.Dequeue();
            foreach (var step in inside.Where(i => i.From == node).OrderBy(i => i.To, StringComparer.Ordinal))
            {
                if (via.TryAdd(step.To, step))
                {
                    queue.Enqueue(step.To);
                }
            }
        }

        var path = new List<Import>();
        for (var node = start; path.Count == 0 || node != start; node = path[^1].From)
        {
            path.Add(via[node]);
        }

        path.Reverse();
        var loop = string.Join("\n", path.Select(i => $"    {i.From} → {i.To} ({i.File}:{i.Line})"));
        var others = members.Count > path.Count ? $" (the loop joins {members.Count} namespaces in all: {string.Join(", ", members.Order(StringComparer.Ordinal))})" : "";
        return $"  {start} reaches itself{others}:\n{loop}";
    }
}
