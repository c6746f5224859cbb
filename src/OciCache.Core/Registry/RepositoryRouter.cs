using OciCache.Oci;

namespace OciCache.Registry;

/// <summary>
/// Decides whether a name addresses a local repository or a mirror of a configured upstream.
/// <list type="bullet">
/// <item>containerd mirrors send <c>?ns=&lt;registry&gt;</c>: the ns must be a configured upstream or alias.</item>
/// <item>CRI-O, skopeo and k3s endpoints with a path put the registry first: <c>/v2/docker.io/library/nginx/…</c>,
/// <c>/v2/docker-hub/…</c>. A first segment naming an upstream or alias routes there (also together with ns).</item>
/// <item>Anything else is a local repository, which never contacts an upstream.</item>
/// </list>
/// Closed world: nothing outside the configured upstreams is ever contacted.
/// </summary>
/// <remarks>https://github.com/containerd/containerd/blob/main/docs/hosts.md</remarks>
public sealed class RepositoryRouter
{
    private readonly Dictionary<string, string> _byAlias = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<string>> _names = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="upstreams">The configured upstreams by name, with the other names that route to each.</param>
    public RepositoryRouter(IEnumerable<(string Name, IEnumerable<string> Aliases)> upstreams)
    {
        foreach (var (name, aliases) in upstreams)
        {
            _byAlias[name] = name;
            _names[name] = [name, .. aliases];
            foreach (var alias in aliases)
            {
                _byAlias[alias] = name;
            }
        }
    }

    /// <summary>The canonical upstream name for a name or alias, or null when none is configured.</summary>
    public string? FindUpstream(string nameOrAlias) => _byAlias.GetValueOrDefault(nameOrAlias);

    /// <summary>The upstream's name, then its aliases, as configured; empty for a name that is no upstream.</summary>
    public IReadOnlyList<string> NamesOf(string upstream) => _names.GetValueOrDefault(upstream) ?? [];

    /// <exception cref="FailureException"><see cref="NameInvalid"/> for a malformed name, <see cref="NameUnknown"/> for an unknown ns.</exception>
    public Repository Route(string name, string? ns)
    {
        string? upstream = null;
        if (!string.IsNullOrEmpty(ns))
        {
            upstream = FindUpstream(ns) ?? throw new FailureException(new NameUnknown($"{ns}/{name} (no upstream named '{ns}' is configured)"));
        }

        var slash = name.IndexOf('/');
        if (slash > 0 && FindUpstream(name[..slash]) is { } prefixed && (upstream is null || upstream == prefixed))
        {
            upstream = prefixed;
            name = name[(slash + 1)..];
        }

        if (!RepositoryName.IsValid(name))
        {
            throw new FailureException(new NameInvalid(name));
        }

        if (upstream is null)
        {
            return Repository.Local(name);
        }

        return Repository.Mirror(upstream, NormalizeRemote(upstream, name));
    }

    /// <summary>Docker Hub serves one-segment names under <c>library/</c>.</summary>
    public static string NormalizeRemote(string upstream, string name) =>
        upstream.Equals("docker.io", StringComparison.OrdinalIgnoreCase) && !name.Contains('/') ? $"library/{name}" : name;
}
