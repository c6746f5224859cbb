using System.Diagnostics.CodeAnalysis;
using OciCache.Oci;

namespace OciCache.Lifecycle;

/// <summary>
/// An image as people write it: <c>[registry/]repository[:tag|@digest]</c>. Without a registry it is
/// Docker Hub's, as with docker and containerd (<c>nginx:1.27</c> is <c>docker.io/library/nginx:1.27</c>).
/// </summary>
public sealed record ImageReference(string Registry, string Repository, string? Tag, Digest? Digest)
{
    /// <summary>The name the repository router understands: registry first.</summary>
    public string RoutedName => $"{Registry}/{Repository}";

    public override string ToString() => Digest is { } d ? $"{RoutedName}@{d}" : $"{RoutedName}:{Tag ?? "latest"}";

    public static bool TryParse(string value, [NotNullWhen(true)] out ImageReference? image)
    {
        image = null;
        Digest? digest = null;
        var at = value.IndexOf('@');
        if (at >= 0)
        {
            if (!OciCache.Oci.Digest.TryParse(value[(at + 1)..], out var d))
            {
                return false;
            }

            digest = d;
            value = value[..at];
        }

        string? tag = null;
        var colon = value.LastIndexOf(':');
        if (colon > value.LastIndexOf('/'))
        {
            tag = value[(colon + 1)..];
            value = value[..colon];
            if (!RepositoryName.IsValidTag(tag))
            {
                return false;
            }
        }

        var slash = value.IndexOf('/');
        var first = slash > 0 ? value[..slash] : "";
        var (registry, repository) = first.Contains('.') || first.Contains(':') || first == "localhost"
            ? (first, value[(slash + 1)..])
            : ("docker.io", value);
        if (!RepositoryName.IsValid(repository))
        {
            return false;
        }

        image = new ImageReference(registry, repository, tag, digest);
        return true;
    }
}
