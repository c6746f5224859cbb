using System.Text.Json;
using OciCache.Oci;
using OciCache.Storage;
using OciCache.Trust;

namespace OciCache.WebConsole;

/// <summary>A page of repositories the viewer may pull, and the name to continue after (null: the last page).</summary>
internal sealed record RepositoryPage(IReadOnlyList<RepositoryRow> Repositories, string? Next)
{
    public const int MaxPageSize = 200;

    public static async Task<RepositoryPage> ReadAsync(HttpContext context, ConsoleViewer viewer, string? query, string? after, int limit)
    {
        var catalog = context.RequestServices.GetRequiredService<IConsoleQueries>();
        var rows = new List<RepositoryRow>();
        var last = after;
        while (rows.Count <= limit)
        {
            var batch = await catalog.ListRepositoriesAsync(query, last, MaxPageSize, context.RequestAborted);
            rows.AddRange(batch.Where(r => viewer.MayPull(context, r.Name, r.Upstream)));
            if (batch.Count < MaxPageSize)
            {
                break;
            }

            last = batch[^1].Name;
        }

        var page = rows.Take(limit).ToList();
        return new RepositoryPage(page, rows.Count > limit && page.Count > 0 ? page[^1].Name : null);
    }
}

/// <summary>One repository's tags: what each holds, where it runs, how often it was pulled, what refers to it.</summary>
internal sealed record RepositoryTags(RepositoryRow Repository, IReadOnlyList<TagDetail> Tags)
{
    public const int MaxTags = 500;

    /// <summary>Null when the repository is not stored or the viewer may not pull it (both answer 404 NAME_UNKNOWN).</summary>
    public static async Task<RepositoryTags?> ReadAsync(HttpContext context, ConsoleViewer viewer, string name)
    {
        var services = context.RequestServices;
        var catalog = services.GetRequiredService<IConsoleQueries>();
        if (await catalog.FindRepositoryAsync(name, context.RequestAborted) is not { } repository || !viewer.MayPull(context, repository.Name, repository.Upstream))
        {
            return null;
        }

        await services.GetRequiredService<Lifecycle.PullCounter>().FlushAsync(); // counts up to this request
        var store = services.GetRequiredService<IBlobStore>();
        var trust = services.GetRequiredService<ITrustPolicy>();
        var stored = Oci.Repository.FromStored(repository.Name, repository.Upstream);
        var covered = trust.Covers(stored);
        var tags = new List<TagDetail>();
        foreach (var t in (await catalog.ListTagsAsync(name, MaxTags, context.RequestAborted)).Where(t => !IsReferrerTag(t.Tag)))
        {
            tags.Add(new TagDetail(t, await PlatformsAsync(store, t, context.RequestAborted), await catalog.ListReferrersAsync(name, t.Digest, context.RequestAborted))
            {
                // The verdict a pull would get (from the verdict cache when a pull already asked).
                Signature = covered ? SignatureLabel(await trust.EvaluateAsync(stored, t.Digest, context.RequestAborted)) : null,
            });
        }

        return new RepositoryTags(repository, tags);
    }

    /// <summary>"signed by &lt;key&gt;", "unsigned" or "invalid"; null for what no rule checks (a signature artifact).</summary>
    public static string? SignatureLabel(TrustVerdict verdict) => verdict.State switch
    {
        TrustState.Signed => $"signed by {verdict.KeyName}",
        TrustState.Unsigned => "unsigned",
        TrustState.Invalid => "invalid",
        _ => null,
    };

    /// <summary>cosign's <c>sha256-&lt;hex&gt;.sig</c> and the OCI referrers tag schema: not images of their own.</summary>
    public static bool IsReferrerTag(string tag) => tag.StartsWith("sha256-", StringComparison.Ordinal);

    /// <summary>An index's platforms, or a single image's from its config; empty when they cannot be read.</summary>
    private static async Task<IReadOnlyList<string>> PlatformsAsync(IBlobStore store, TagRow tag, CancellationToken cancellationToken)
    {
        if (await ReadJsonAsync(store, tag.Digest, ManifestDocument.MaxSize, cancellationToken) is not { } manifest)
        {
            return [];
        }

        using (manifest)
        {
            var root = manifest.RootElement;
            if (root.TryGetProperty("manifests", out var children) && children.ValueKind == JsonValueKind.Array)
            {
                return [.. children.EnumerateArray()
                    .Select(c => c.TryGetProperty("platform", out var p) ? PlatformText(p) : null)
                    .OfType<string>().Where(p => p != "unknown/unknown").Distinct()];
            }

            if (root.TryGetProperty("config", out var config) && config.TryGetProperty("digest", out var digest) &&
                Digest.TryParse(digest.GetString(), out var configDigest) && await ReadJsonAsync(store, configDigest, 1024 * 1024, cancellationToken) is { } configJson)
            {
                using (configJson)
                {
                    return PlatformText(configJson.RootElement) is { } platform ? [platform] : [];
                }
            }

            return [];
        }
    }

    private static string? PlatformText(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("os", out var os) && element.TryGetProperty("architecture", out var arch) &&
        os.ValueKind == JsonValueKind.String && arch.ValueKind == JsonValueKind.String
            ? element.TryGetProperty("variant", out var v) && v.ValueKind == JsonValueKind.String ? $"{os.GetString()}/{arch.GetString()}/{v.GetString()}" : $"{os.GetString()}/{arch.GetString()}"
            : null;

    private static async Task<JsonDocument?> ReadJsonAsync(IBlobStore store, Digest digest, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            await using var content = await store.OpenReadAsync(digest, cancellationToken);
            return content is null || content.Length > maxBytes ? null : JsonDocument.Parse(await content.ReadAllAsync(cancellationToken));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null; // not JSON (an artifact's config): no platform to show
        }
    }
}

internal sealed record TagDetail(TagRow Row, IReadOnlyList<string> Platforms, IReadOnlyList<ReferrerRow> Referrers)
{
    /// <summary>Where the tag's image stands against the signature rule covering the repository; null when none does.</summary>
    public string? Signature { get; init; }
}
