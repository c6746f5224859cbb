using OciCache.Registry;

namespace OciCache.Lifecycle;

/// <summary>
/// Pin patterns: <c>repository[:tag]</c> where both parts may use <c>*</c> (any characters). The
/// repository is the stored name, registry first (<c>docker.io/library/nginx</c>); Docker Hub's short
/// form (<c>docker.io/nginx</c>) means <c>library/</c>. Without a tag, every tag and every untagged
/// manifest of the repository is pinned.
/// </summary>
public sealed class PinMatcher
{
    private readonly List<(Glob Repository, Glob? Tag)> _pins = [];

    public PinMatcher(IEnumerable<string> patterns)
    {
        foreach (var pattern in patterns)
        {
            var colon = pattern.LastIndexOf(':');
            var slash = pattern.LastIndexOf('/');
            var (repository, tag) = colon > slash ? (pattern[..colon], pattern[(colon + 1)..]) : (pattern, null);
            _pins.Add((new Glob(Normalize(repository)), tag is null or "*" ? null : new Glob(tag)));
        }
    }

    public bool IsEmpty => _pins.Count == 0;

    /// <summary>True when a manifest of <paramref name="repository"/> with these tags (possibly none) is pinned.</summary>
    public bool IsPinned(string repository, IReadOnlyList<string> tags)
    {
        foreach (var (repositoryPattern, tagPattern) in _pins)
        {
            if (repositoryPattern.IsMatch(repository) && (tagPattern is null || tags.Any(tagPattern.IsMatch)))
            {
                return true;
            }
        }

        return false;
    }

    private static string Normalize(string repository)
    {
        var slash = repository.IndexOf('/');
        return slash > 0 && repository.IndexOf('.') is var dot && dot >= 0 && dot < slash && !repository.Contains('*')
            ? $"{repository[..slash]}/{RepositoryRouter.NormalizeRemote(repository[..slash], repository[(slash + 1)..])}"
            : repository;
    }

}
