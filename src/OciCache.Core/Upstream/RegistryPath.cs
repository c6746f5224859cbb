using System.Globalization;
using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Upstream;

/// <summary>
/// A registry API path relative to an upstream's base URL (<c>v2/library/nginx/blobs/sha256:…</c>). Every
/// upstream URL is built here and only from validated parts: the repository's remote name by the name
/// grammar, tags by the tag grammar, digests in canonical form, and the known query parameters
/// (<c>n</c>, <c>last</c>, <c>artifactType</c>), each escaped. Text a client or an upstream sent never
/// reaches an upstream URL as it was sent. The model is distribution's <c>registry/api/v2/urls.go</c>.
/// </summary>
/// <remarks>
/// Callers validate at the edge and answer a client 400 there; a part that fails here is a bug, so it
/// throws <see cref="ArgumentException"/>.
/// Endpoints: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#endpoints
/// </remarks>
public readonly record struct RegistryPath
{
    private RegistryPath(string value, bool named = true)
    {
        Value = value;
        _named = named;
    }

    /// <summary>True when the path addresses a repository (<c>v2/&lt;name&gt;/…</c>), false for the catalog.</summary>
    private readonly bool _named;

    /// <summary>The path, without a leading slash, so that it resolves below a base URL with a path of its own.</summary>
    public string Value { get; }

    public static RegistryPath Blob(Repository repository, Digest digest) =>
        new($"{Name(repository)}/blobs/{Escape(digest)}");

    public static RegistryPath Manifest(Repository repository, Reference reference) =>
        new($"{Name(repository)}/manifests/{(reference.IsTag ? Tag(reference.Tag) : Escape(reference.Digest))}");

    public static RegistryPath Tags(Repository repository, PageQuery page) =>
        new($"{Name(repository)}/tags/list{Query(page, artifactType: null)}");

    public static RegistryPath Referrers(Repository repository, Digest subject, string? artifactType, PageQuery page) =>
        new($"{Name(repository)}/referrers/{Escape(subject)}{Query(page, artifactType)}");

    /// <summary>
    /// The upstream's catalog, <c>n</c> names a page after <paramref name="last"/> (a repository name). Not
    /// below a repository prefix: the caller keeps the names under it.
    /// </summary>
    public static RegistryPath Catalog(int pageSize, string? last)
    {
        if (pageSize < 0)
        {
            throw new ArgumentException($"n={pageSize} is negative", nameof(pageSize));
        }

        if (last is not null && !RepositoryName.IsValid(last))
        {
            throw new ArgumentException($"last={last} is not a repository name", nameof(last));
        }

        var query = "?n=" + pageSize.ToString(CultureInfo.InvariantCulture) +
                    (last is null ? "" : "&last=" + string.Join("%2F", last.Split('/').Select(Uri.EscapeDataString)));
        return new RegistryPath("v2/_catalog" + query, named: false);
    }

    public Uri ResolveAgainst(Uri baseUri) => new(baseUri, Value);

    /// <summary>
    /// The URL at an upstream whose repositories sit below a name prefix (<see cref="UpstreamEndpoint.RepositoryPrefix"/>:
    /// another OciCache's mirror of <c>docker.io</c> at <c>http://hq:5000/v2/docker.io</c>): repository paths get
    /// the prefix after <c>v2/</c>; the catalog does not.
    /// </summary>
    public Uri ResolveAgainst(UpstreamEndpoint endpoint) =>
        endpoint.RepositoryPrefix is { } prefix && _named
            ? new Uri(endpoint.BaseUri, "v2/" + string.Join('/', prefix.Split('/').Select(Uri.EscapeDataString)) + "/" + Value["v2/".Length..])
            : new Uri(endpoint.BaseUri, Value);

    public override string ToString() => Value;

    private static string Name(Repository repository)
    {
        if (repository.RemoteName is not { } name || !RepositoryName.IsValid(name))
        {
            throw new ArgumentException($"'{repository.RemoteName}' of {repository} is not an upstream repository name", nameof(repository));
        }

        return "v2/" + string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
    }

    private static string Tag(string tag) => RepositoryName.IsValidTag(tag)
        ? Uri.EscapeDataString(tag)
        : throw new ArgumentException($"'{tag}' is not a tag", nameof(tag));

    private static string Escape(Digest digest) => Digest.TryParse(digest.ToString(), out _)
        ? $"{Uri.EscapeDataString(digest.Algorithm)}:{Uri.EscapeDataString(digest.Encoded)}"
        : throw new ArgumentException($"'{digest}' is not a digest", nameof(digest));

    private static string Query(PageQuery page, string? artifactType)
    {
        var parts = new List<string>(3);
        if (page.N is { } n)
        {
            parts.Add("n=" + (n >= 0 ? n.ToString(CultureInfo.InvariantCulture) : throw new ArgumentException($"n={n} is negative", nameof(page))));
        }

        if (page.Last is { } last)
        {
            parts.Add("last=" + (PageQuery.IsValidLast(last) ? Uri.EscapeDataString(last) : throw new ArgumentException($"last={last} is neither a tag nor a digest", nameof(page))));
        }

        if (artifactType is not null)
        {
            parts.Add("artifactType=" + (MediaTypes.IsValid(artifactType) ? Uri.EscapeDataString(artifactType) : throw new ArgumentException($"'{artifactType}' is not a media type", nameof(artifactType))));
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
