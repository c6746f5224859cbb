using System.Diagnostics.CodeAnalysis;
using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Transfer;

/// <summary>
/// An image as nodes pull it, resolved to where the store keeps it: <c>docker.io/library/nginx:1.27</c> is
/// tag 1.27 of the mirror repository of upstream docker.io (remote name library/nginx),
/// <c>site/app:v1</c> a local repository. Routing is <see cref="RepositoryRouter"/>'s, as for
/// <c>/v2/&lt;registry&gt;/…</c> paths; a first segment that names a registry (a dot, a port or
/// <c>localhost</c>) must be a configured upstream, so a bundle never lands in a local repository by accident.
/// </summary>
public sealed record TransferReference(Repository Repository, Reference Reference)
{
    /// <summary>What <see cref="TryParse"/> adds when a name's registry is no configured upstream.</summary>
    public const string ConfigHint = "give the configuration that defines it with --config FILE";
    /// <summary>Without a tag or digest an image means <c>latest</c>, as for docker and containerd.</summary>
    public const string DefaultTag = "latest";

    /// <summary>
    /// The registry a mirror image is named by: the name it was given by when that is a host
    /// (<c>registry.hq.example</c>, an alias of upstream <c>hq</c>), else the first of the upstream's name and
    /// aliases that is one, else the upstream's name. Null for a local repository.
    /// </summary>
    public string? Registry { get; init; }

    /// <summary>
    /// The full reference as nodes pull it (<c>docker.io/library/nginx:1.27</c>,
    /// <c>registry.hq.example/warehouse/app:1.4.2</c>, <c>site/app@sha256:…</c>): what an export writes as
    /// <c>org.opencontainers.image.ref.name</c> (so <c>skopeo inspect oci:DIR:NAME</c> finds it), and what an
    /// import routes by.
    /// </summary>
    public string FullName
    {
        get
        {
            var name = Repository.Upstream is { } upstream ? $"{Registry ?? upstream}/{Repository.RemoteName}" : Repository.Name;
            return Reference.IsTag ? $"{name}:{Reference.Tag}" : $"{name}@{Reference.Digest}";
        }
    }

    public override string ToString() => FullName;

    /// <summary>Parses <c>name[:tag|@digest]</c> and routes the name; false with the reason when it cannot.</summary>
    /// <param name="asLocal">A first segment naming a registry that is no configured upstream makes a local repository of that name, instead of an error.</param>
    /// <param name="hint">What the error for such a segment tells the user to do.</param>
    public static bool TryParse(string value, RepositoryRouter router, [NotNullWhen(true)] out TransferReference? reference, [NotNullWhen(false)] out string? error,
        bool asLocal = false, string hint = ConfigHint)
    {
        reference = null;
        var name = value;
        Reference parsed;
        var at = name.IndexOf('@');
        if (at >= 0)
        {
            if (!Digest.TryParse(name[(at + 1)..], out var digest))
            {
                error = $"'{value}': '{name[(at + 1)..]}' is not a digest";
                return false;
            }

            parsed = Reference.ForDigest(digest);
            name = name[..at];
            if (name.LastIndexOf(':') > name.LastIndexOf('/'))
            {
                error = $"'{value}': give a tag or a digest, not both";
                return false;
            }
        }
        else if (name.LastIndexOf(':') is var colon and >= 0 && colon > name.LastIndexOf('/'))
        {
            var tag = name[(colon + 1)..];
            if (!RepositoryName.IsValidTag(tag))
            {
                error = $"'{value}': '{tag}' is not a tag";
                return false;
            }

            parsed = Reference.ForTag(tag);
            name = name[..colon];
        }
        else
        {
            parsed = Reference.ForTag(DefaultTag);
        }

        var slash = name.IndexOf('/');
        var first = slash > 0 ? name[..slash] : "";
        if (LooksLikeRegistry(first) && router.FindUpstream(first) is null && !asLocal)
        {
            error = $"'{value}': {first} is not a configured upstream (Upstreams:<name>:Url, or one of its Aliases); {hint}";
            return false;
        }

        try
        {
            var repository = router.Route(name, null);
            reference = new TransferReference(repository, parsed) { Registry = RegistryOf(repository, first, router) };
            error = null;
            return true;
        }
        catch (FailureException e)
        {
            error = $"'{value}': {e.Failure.Message}{(e.Failure.Detail is null ? "" : $" ({e.Failure.Detail})")}";
            return false;
        }
    }

    private static string? RegistryOf(Repository repository, string given, RepositoryRouter router) =>
        repository.Upstream is not { } upstream ? null
        : LooksLikeRegistry(given) ? given
        : router.NamesOf(upstream).FirstOrDefault(LooksLikeRegistry) ?? upstream;

    private static bool LooksLikeRegistry(string segment) =>
        segment.Contains('.') || segment.Contains(':') || segment.Equals("localhost", StringComparison.OrdinalIgnoreCase);
}
