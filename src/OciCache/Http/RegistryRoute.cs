namespace OciCache.Http;

/// <summary>What a <c>/v2/…</c> path addresses.</summary>
internal enum RouteKind
{
    Base,
    Catalog,
    Tags,
    Manifest,
    Blob,
    UploadStart,
    Upload,
    Referrers,
}

/// <summary>
/// A parsed registry path. Repository names contain slashes, so the kind is read from the end of the
/// path (<c>…/manifests/&lt;ref&gt;</c>, <c>…/blobs/uploads/&lt;id&gt;</c>) and the rest is the name.
/// Nothing here is validated beyond shape: names, references and ids are checked by the caller.
/// </summary>
/// <remarks>Endpoints: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#endpoints</remarks>
internal readonly record struct RegistryRoute(RouteKind Kind, string Name, string Reference)
{
    /// <param name="path">The path after <c>/v2/</c>, without the query string.</param>
    public static bool TryParse(string path, out RegistryRoute route)
    {
        route = default;
        if (path.Length == 0)
        {
            route = new RegistryRoute(RouteKind.Base, "", "");
            return true;
        }

        if (path is "_catalog")
        {
            route = new RegistryRoute(RouteKind.Catalog, "", "");
            return true;
        }

        var segments = path.Split('/');
        var n = segments.Length;
        if (n >= 3 && segments[n - 2] == "tags" && segments[n - 1] == "list")
        {
            return Make(RouteKind.Tags, segments, n - 2, "", out route);
        }

        if (n >= 4 && segments[n - 3] == "blobs" && segments[n - 2] == "uploads")
        {
            var kind = segments[n - 1].Length == 0 ? RouteKind.UploadStart : RouteKind.Upload;
            return Make(kind, segments, n - 3, segments[n - 1], out route);
        }

        if (n >= 3 && segments[n - 2] == "blobs" && segments[n - 1] == "uploads")
        {
            return Make(RouteKind.UploadStart, segments, n - 2, "", out route);
        }

        if (n >= 3 && segments[n - 1].Length > 0)
        {
            var kind = segments[n - 2] switch
            {
                "manifests" => RouteKind.Manifest,
                "blobs" => RouteKind.Blob,
                "referrers" => RouteKind.Referrers,
                _ => (RouteKind?)null,
            };
            if (kind is { } k)
            {
                return Make(k, segments, n - 2, segments[n - 1], out route);
            }
        }

        return false;
    }

    private static bool Make(RouteKind kind, string[] segments, int nameSegments, string reference, out RegistryRoute route)
    {
        route = new RegistryRoute(kind, string.Join('/', segments, 0, nameSegments), reference);
        return route.Name.Length > 0;
    }
}
