using OciCache.Oci;

namespace OciCache.Registry;

/// <summary>
/// Which local tags may not move (<see cref="TagOptions.Immutable"/>), decided where a manifest is written
/// (<see cref="ManifestWriter"/>): the metadata write itself refuses to move such a tag, in its transaction.
/// </summary>
public sealed class ImmutableTags(TagOptions options)
{
    private readonly RepositoryPattern[] _patterns = [.. options.Immutable.Select(p =>
        RepositoryPattern.TryParseWithTag(p, out var pattern, out var error) ? pattern : throw new FormatException(error))];

    /// <summary>The first pattern that covers the tag of a local repository; null for a mirror or an uncovered tag.</summary>
    public RepositoryPattern? Find(Repository repository, string tag)
    {
        if (repository.IsMirror)
        {
            return null;
        }

        foreach (var pattern in _patterns)
        {
            if (pattern.IsMatch(repository.Name, tag))
            {
                return pattern;
            }
        }

        return null;
    }
}
