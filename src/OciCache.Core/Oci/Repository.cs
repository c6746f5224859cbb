namespace OciCache.Oci;

/// <summary>
/// A repository as the registry addresses it. <see cref="Name"/> is the stored name: a local repository's
/// own name, or for a mirror repository its upstream followed by the upstream's repository name
/// (<c>docker.io/library/nginx</c>), so content cached from two upstreams never mixes.
/// </summary>
public sealed record Repository(string Name)
{
    /// <summary>The configured upstream this repository mirrors, or null for a local repository.</summary>
    public string? Upstream { get; init; }

    /// <summary>The repository's name at its upstream (<c>library/nginx</c>); null for a local repository.</summary>
    public string? RemoteName { get; init; }

    public bool IsMirror => Upstream is not null;

    public static Repository Local(string name) => new(name);

    public static Repository Mirror(string upstream, string remoteName) =>
        new($"{upstream}/{remoteName}") { Upstream = upstream, RemoteName = remoteName };

    /// <summary>
    /// The repository a stored row names: its stored name and the upstream stored beside it (null for a
    /// local repository). A mirror's remote name is what follows its upstream in the stored name.
    /// </summary>
    public static Repository FromStored(string name, string? upstream) =>
        upstream is null ? Local(name)
        : name.StartsWith(upstream + "/", StringComparison.Ordinal) ? Mirror(upstream, name[(upstream.Length + 1)..])
        : new(name) { Upstream = upstream };

    public override string ToString() => Name;
}
