using System.Buffers;
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

    /// <summary>A referrers page holds at most this many descriptors, with or without <c>n</c>.</summary>
    public const int MaxReferrersPageSize = 1000;

    /// <summary>
    /// A referrers page ends before its descriptors would take more than this many bytes. With annotations
    /// cut to <see cref="AnnotationLimits.MaxDescriptorBytes"/>, about 60 descriptors even when all carry that much.
    /// </summary>
    public const int ReferrersPageBytes = 256 * 1024;

    public static async Task TagsAsync(HttpContext context, Repository repository)
    {
        var (limit, last) = Paging(context);
        var index = context.RequestServices.GetRequiredService<IManifestIndex>();
        var tags = await index.ListTagsAsync(repository, limit + 1, last, context.RequestAborted) ?? throw new FailureException(new NameUnknown(repository.Name));
        var page = tags.Take(limit).ToList();
        if (tags.Count > limit && page.Count > 0)
        {
            SetNextLink(context, $"/v2/{repository.Name}/tags/list", limit, page[^1]);
        }

        await JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", repository.Name);
            WriteStrings(w, "tags", page);
            w.WriteEndObject();
        });
    }

    /// <param name="visible">Which stored names the caller may see (access control); null: all.</param>
    public static async Task CatalogAsync(HttpContext context, Func<string, bool>? visible)
    {
        var (limit, last) = Paging(context);
        var catalog = context.RequestServices.GetRequiredService<IRepositoryCatalog>();
        var names = await VisibleAsync(catalog, limit + 1, last, visible, context.RequestAborted);
        var page = names.Take(limit).ToList();
        if (names.Count > limit && page.Count > 0)
        {
            SetNextLink(context, "/v2/_catalog", limit, page[^1]);
        }

        await JsonBody.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            WriteStrings(w, "repositories", page);
            w.WriteEndObject();
        });
    }

    /// <summary>Up to <paramref name="count"/> names after <paramref name="last"/> that pass the filter, read in batches.</summary>
    private static async Task<List<string>> VisibleAsync(
        IRepositoryCatalog catalog, int count, string? last, Func<string, bool>? visible, CancellationToken cancellationToken)
    {
        if (visible is null)
        {
            return [.. await catalog.ListAsync(count, last, cancellationToken)];
        }

        var names = new List<string>(Math.Min(count, DefaultPageSize));
        while (names.Count < count)
        {
            var batch = await catalog.ListAsync(DefaultPageSize, last, cancellationToken);
            names.AddRange(batch.Where(visible).Take(count - names.Count));
            if (batch.Count < DefaultPageSize)
            {
                break;
            }

            last = batch[^1];
        }

        return names;
    }

    /// <summary>
    /// The manifests whose <c>subject</c> is the digest, as an OCI index. Never 404: an unknown subject or
    /// repository has no referrers, which is an empty index. Paged like tags/list (<c>n</c>, <c>last</c> a
    /// digest, a <c>Link</c> to the next page), and a page also ends before it would outgrow
    /// <see cref="ReferrersPageBytes"/>, so its size never depends on how many referrers there are.
    /// </summary>
    /// <remarks>https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers</remarks>
    public static async Task ReferrersAsync(HttpContext context, Repository repository, string rawDigest)
    {
        var digest = BlobHandlers.ParseDigest(rawDigest);
        var (limit, rawLast) = Paging(context, MaxReferrersPageSize);
        Digest? last = null;
        if (rawLast is not null)
        {
            last = Digest.TryParse(rawLast, out var parsed)
                ? parsed
                : throw new FailureException(new QueryInvalid("invalid last", $"last={rawLast} is not a digest"));
        }

        var artifactType = context.Request.Query["artifactType"].ToString();
        var filter = artifactType.Length > 0 ? artifactType : null;
        var index = context.RequestServices.GetRequiredService<IManifestIndex>();
        if (filter is not null)
        {
            context.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        }

        // The page is written here, as the rows are read (they are awaited), and handed to JsonBody whole.
        var body = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", MediaTypes.OciIndex);
            w.WriteStartArray("manifests");
            var page = new ReferrersPage(w, limit);
            await foreach (var referrer in index.ListReferrersAsync(repository, digest, filter, last, context.RequestAborted))
            {
                if (!page.TryAdd(referrer))
                {
                    break;
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
            if (page.HasMore && page.Last is { } end)
            {
                var next = $"/v2/{repository.Name}/referrers/{digest}?n={limit}&last={end}";
                context.Response.Headers.Link = LinkHeader.Next(filter is null ? next : $"{next}&artifactType={Uri.EscapeDataString(filter)}");
            }
        }

        await JsonBody.WriteAsync(context, w => w.WriteRawValue(body.WrittenSpan, skipInputValidation: true), MediaTypes.OciIndex);
    }

    /// <summary>
    /// Descriptors written into one page while they fit: at most <c>limit</c> of them and
    /// <see cref="ReferrersPageBytes"/> in all (the first always goes in, so every page moves on).
    /// </summary>
    private sealed class ReferrersPage(Utf8JsonWriter page, int limit)
    {
        private readonly ArrayBufferWriter<byte> _descriptor = new(512);
        private readonly long _start = page.BytesCommitted + page.BytesPending;
        private int _count;

        public bool HasMore { get; private set; }

        public Digest? Last { get; private set; }

        public bool TryAdd(ManifestRecord referrer)
        {
            if (_count == limit)
            {
                HasMore = true;
                return false;
            }

            _descriptor.ResetWrittenCount();
            using (var w = new Utf8JsonWriter(_descriptor))
            {
                WriteDescriptor(w, referrer);
            }

            var used = page.BytesCommitted + page.BytesPending - _start;
            if (_count > 0 && used + 1 + _descriptor.WrittenCount > ReferrersPageBytes)
            {
                HasMore = true;
                return false;
            }

            page.WriteRawValue(_descriptor.WrittenSpan, skipInputValidation: true);
            Last = referrer.Digest;
            _count++;
            return true;
        }
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

    private static (int Limit, string? Last) Paging(HttpContext context, int maxPageSize = MaxPageSize)
    {
        var query = context.Request.Query;
        var limit = DefaultPageSize;
        if (query.TryGetValue("n", out var rawN))
        {
            if (!int.TryParse(rawN, out limit) || limit < 0)
            {
                throw new FailureException(new PageSizeInvalid("invalid page size", $"n={rawN}"));
            }

            limit = Math.Min(limit, maxPageSize);
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
