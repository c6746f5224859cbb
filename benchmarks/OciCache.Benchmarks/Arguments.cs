namespace OciCache.Benchmarks;

/// <summary><c>--name value</c>, <c>--flag</c> and positional arguments, checked when read.</summary>
internal sealed class Arguments
{
    private static readonly HashSet<string> Flags = ["quick", "no-wan"];
    private readonly Dictionary<string, string?> _named = [];

    public List<string> Positional { get; } = [];

    public static Arguments Parse(IEnumerable<string> args)
    {
        var parsed = new Arguments();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            if (!e.Current.StartsWith("--", StringComparison.Ordinal))
            {
                parsed.Positional.Add(e.Current);
                continue;
            }

            var name = e.Current[2..];
            parsed._named[name] = Flags.Contains(name) ? null : e.MoveNext() ? e.Current : throw new ArgumentException($"--{name} needs a value");
        }

        return parsed;
    }

    public bool Flag(string name) => _named.ContainsKey(name);

    public string Required(string name) => _named.TryGetValue(name, out var value) && value is not null ? value : throw new ArgumentException($"--{name} is required");

    public string? Optional(string name) => _named.TryGetValue(name, out var value) ? value : null;

    public int Int(string name, int fallback) => _named.TryGetValue(name, out var value) && value is not null
        ? int.TryParse(value, out var number) && number >= 0 ? number : throw new ArgumentException($"--{name}: '{value}' is not a number")
        : fallback;
}
