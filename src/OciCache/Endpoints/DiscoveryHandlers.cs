using System.Text.Json;
using OciCache.Http;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.Endpoints;

/// <summary>end-8a/8b (tags list), the catalog, and end-12a/12b (referrers).</summary>
internal static class DiscoveryHandlers
{
    /// <summary>A page without <c>n</c> holds at most this many entries (and links to the next page).</summary>
    public const int DefaultPageSize = 1000;

    private const int MaxPageSize = 10_000;

    public static Task TagsAsync(HttpContext context, Repository repository)
    {
        var (limit, last) = Paging(context);
        var index = context.RequestServices.GetRequiredService<IMetadataIndex>();
        var tags = index.ListTags(repository.Name, limit + 1, last) ?? throw RegistryErrors.NameUnknown(repository.Name);
        var page = tags.Take(limit).ToList();
        if (tags.Count > limit && page.Count > 0)
        {
            SetNextLink(context, $"/v2/{repository.Name}/tags/list", limit, page[^1]);
        }

        return JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", repository.Name);
            WriteStrings(w, "tags", page);
            w.WriteEndObject();
        });
    }

    public static Task CatalogAsync(HttpContext context)
    {
        var (limit, last) = Paging(context);
        var index = context.RequestServices.GetRequiredService<IMetadataIndex>();
        var names = index.ListRepositories(limit + 1, last);
        var page = names.Take(limit).ToList();
        if (names.Count > limit && page.Count > 0)
        {
            SetNextLink(context, "/v2/_catalog", limit, page[^1]);
        }

        return JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            WriteStrings(w, "repositories", page);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// The manifests whose <c>subject</c> is the digest, as an OCI index. Never 404: an unknown subject or
    /// repository has no referrers, which is an empty index.
    /// </summary>
    public static Task ReferrersAsync(HttpContext context, Repository repository, string rawDigest)
    {
        var digest = BlobHandlers.ParseDigest(rawDigest);
        var artifactType = context.Request.Query["artifactType"].ToString();
        var filter = artifactType.Length > 0 ? artifactType : null;
        var index = context.RequestServices.GetRequiredService<IMetadataIndex>();
        var referrers = index.ListReferrers(repository.Name, digest, filter);
        if (filter is not null)
        {
            context.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        }

        return JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", MediaTypes.OciIndex);
            w.WriteStartArray("manifests");
            foreach (var referrer in referrers)
            {
                WriteDescriptor(w, referrer);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }, MediaTypes.OciIndex);
    }

    private static void WriteDescriptor(Utf8JsonWriter w, ManifestRecord manifest)
    {
        w.WriteStartObject();
        w.WriteString("mediaType", manifest.MediaType);
        w.WriteString("digest", manifest.Digest.ToString());
        w.WriteNumber("size", manifest.Size);
        if (manifest.ArtifactType is not null)
        {
            w.WriteString("artifactType", manifest.ArtifactType);
        }

        if (manifest.AnnotationsJson is not null)
        {
            w.WritePropertyName("annotations");
            w.WriteRawValue(manifest.AnnotationsJson, skipInputValidation: true);
        }

        w.WriteEndObject();
    }

    private static (int Limit, string? Last) Paging(HttpContext context)
    {
        var query = context.Request.Query;
        var limit = DefaultPageSize;
        if (query.TryGetValue("n", out var rawN))
        {
            if (!int.TryParse(rawN, out limit) || limit < 0)
            {
                throw new RegistryException(OciErrorCode.PaginationNumberInvalid, "invalid page size", $"n={rawN}");
            }

            limit = Math.Min(limit, MaxPageSize);
        }

        var last = query["last"].ToString();
        return (limit, last.Length > 0 ? last : null);
    }

    private static void SetNextLink(HttpContext context, string path, int limit, string last) =>
        context.Response.Headers.Link = LinkHeader.Next($"{path}?n={limit}&last={Uri.EscapeDataString(last)}");

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }
}
