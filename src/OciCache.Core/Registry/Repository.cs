namespace OciCache.Registry;

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

    public override string ToString() => Name;
}
