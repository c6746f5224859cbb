using System.Text.Json;
using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Upstream;

namespace OciCache.Lifecycle;

/// <summary>
/// Fetches images into the cache ahead of need: their manifests, the listed platforms' manifests of a
/// multi-arch index, and those manifests' blobs. It goes through the same pull-through reader as clients,
/// so fetches are shared with concurrent pulls and verified before they are published.
/// </summary>
public sealed partial class Prefetcher(
    IContentReader reader, RepositoryRouter router, UpstreamClient upstreams, ILogger<Prefetcher> logger)
{
    private const int TagPageSize = 1000;
    private const int MaxTagPages = 50;

    /// <summary>Bytes fetched from upstreams by the running prefetch (for progress displays).</summary>
    public long BytesFetched => Interlocked.Read(ref _bytes);

    private long _bytes;
    private readonly List<IGrowingBlob> _running = [];

    /// <summary>Bytes received so far, including blobs still being fetched.</summary>
    public long BytesInFlight
    {
        get
        {
            lock (_running)
            {
                return BytesFetched + _running.Sum(f => f.Received);
            }
        }
    }

    public async Task<PrefetchResult> RunAsync(IEnumerable<PrefetchImage> images, CancellationToken cancellationToken)
    {
        var result = new PrefetchResult();
        foreach (var entry in images)
        {
            if (!ImageReference.TryParse(entry.Image, out var image))
            {
                Fail(result, entry.Image, "not an image name");
                continue;
            }

            Repository repository;
            try
            {
                repository = router.Route(image.RoutedName, null);
            }
            catch (RegistryException e)
            {
                Fail(result, entry.Image, e.Detail ?? e.Message);
                continue;
            }

            if (!repository.IsMirror)
            {
                Fail(result, entry.Image, $"{image.Registry} is not a configured upstream");
                continue;
            }

            var patterns = entry.Tags.Count > 0 ? entry.Tags : [image.Tag ?? "latest"];
            if (image.Digest is null && patterns.FirstOrDefault(p => !p.Contains('*') && !RepositoryName.IsValidTag(p)) is { } notATag)
            {
                result.Failed.Add($"{entry.Image}: '{notATag}' is not a tag");
                continue;
            }

            var references = image.Digest is { } digest
                ? [Reference.ForDigest(digest)]
                : await ExpandTagsAsync(repository, patterns, cancellationToken);
            foreach (var reference in references)
            {
                try
                {
                    await FetchImageAsync(repository, reference, entry.Platforms, result, cancellationToken);
                    result.Images.Add($"{repository.Name}:{reference}");
                }
                catch (PrefetchException e)
                {
                    Fail(result, $"{repository.Name}:{reference}", e.Message);
                }
                catch (RegistryException e)
                {
                    Fail(result, $"{repository.Name}:{reference}", e.Detail is null ? e.Message : $"{e.Message}: {e.Detail}");
                }
            }
        }

        return result;
    }

    /// <summary>One place for failures, so the command line prints and the scheduled prefetch logs the same reason.</summary>
    private void Fail(PrefetchResult result, string image, string reason)
    {
        result.Failed.Add($"{image}: {reason}");
        LogFailed(image, reason);
    }

    private async Task FetchImageAsync(Repository repository, Reference reference, IReadOnlyList<string> platforms, PrefetchResult result, CancellationToken cancellationToken)
    {
        var root = await ManifestAsync(repository, reference, cancellationToken);
        result.Manifests++;
        if (root.Manifests.Count > 0)
        {
            foreach (var child in root.Manifests.Where(m => platforms.Count == 0 || Matches(m.Platform, platforms)))
            {
                var manifest = await ManifestAsync(repository, Reference.ForDigest(child.Digest), cancellationToken);
                result.Manifests++;
                await BlobsAsync(repository, manifest, result, cancellationToken);
            }

            // Checked after the platforms that do match were fetched: a list meant for several images still
            // warms what it can, and the platform that matched nothing is named.
            var listed = root.Manifests.Select(m => m.Platform).OfType<Platform>().Where(p => p.Os != "unknown").ToList();
            ThrowIfAny(Unmatched(platforms, listed), listed.Count == 0
                ? "the index lists no platforms"
                : $"the index has {string.Join(", ", listed.Select(p => p.ToString()).Distinct())}");
            return;
        }

        // A single-platform image says its platform in its config only.
        if (root.Config is { } config)
        {
            await BlobAsync(repository, config.Digest, result, cancellationToken);
        }

        var platform = platforms.Count > 0 && root.Config is { } c ? await ConfigPlatformAsync(repository, c.Digest, cancellationToken) : null;
        var unmatched = platform is null ? [] : Unmatched(platforms, [platform]);
        var why = $"the image is single-platform {platform}";
        if (unmatched.Count == platforms.Count)
        {
            // None of them is this image's platform: fail before its layers, which are not wanted.
            ThrowIfAny(unmatched, why);
        }

        await LayersAsync(repository, root, result, cancellationToken);
        ThrowIfAny(unmatched, why);
    }

    private async Task BlobsAsync(Repository repository, ManifestDocument manifest, PrefetchResult result, CancellationToken cancellationToken)
    {
        if (manifest.Config is { } config)
        {
            await BlobAsync(repository, config.Digest, result, cancellationToken);
        }

        await LayersAsync(repository, manifest, result, cancellationToken);
    }

    private async Task LayersAsync(Repository repository, ManifestDocument manifest, PrefetchResult result, CancellationToken cancellationToken)
    {
        foreach (var layer in manifest.Layers.Where(l => !MediaTypes.IsNonDistributable(l.MediaType)))
        {
            await BlobAsync(repository, layer.Digest, result, cancellationToken);
        }
    }

    /// <summary>The requested platforms that none of <paramref name="available"/> matches.</summary>
    private static List<string> Unmatched(IReadOnlyList<string> platforms, IReadOnlyList<Platform> available) =>
        platforms.Where(filter => !available.Any(p => Matches(p, [filter]))).ToList();

    /// <summary>A requested platform that matches nothing fails the image: it would not run there.</summary>
    private static void ThrowIfAny(List<string> unmatched, string why)
    {
        if (unmatched.Count > 0)
        {
            throw new PrefetchException($"no manifest for platform {string.Join(", ", unmatched)}: {why}");
        }
    }

    private async Task<ManifestDocument> ManifestAsync(Repository repository, Reference reference, CancellationToken cancellationToken)
    {
        var lookup = await reader.GetManifestAsync(repository, reference, headOnly: false, cancellationToken);
        if (lookup is not ManifestLookup.Found found)
        {
            throw new PrefetchException(((ManifestLookup.Missing)lookup).Error.Detail ?? "manifest unknown");
        }

        var bytes = found.Content ?? await File.ReadAllBytesAsync(found.Path!, cancellationToken);
        return ManifestDocument.Parse(bytes, found.Manifest.MediaType);
    }

    private async Task BlobAsync(Repository repository, Digest digest, PrefetchResult result, CancellationToken cancellationToken)
    {
        var lookup = await reader.GetBlobAsync(repository, digest, headOnly: false, cancellationToken);
        switch (lookup)
        {
            case BlobLookup.Stored:
                result.BlobsPresent++;
                return;
            case BlobLookup.Missing missing:
                throw new PrefetchException(missing.Error.Detail ?? $"blob {digest} unknown");
            case BlobLookup.Filling filling:
                using (filling.Blob as IDisposable)
                {
                    lock (_running)
                    {
                        _running.Add(filling.Blob);
                    }

                    GrowingBlobOutcome outcome;
                    try
                    {
                        outcome = await filling.Blob.WhenDoneAsync(cancellationToken);
                    }
                    finally
                    {
                        lock (_running)
                        {
                            _running.Remove(filling.Blob);
                        }
                    }

                    if (!outcome.Stored)
                    {
                        throw new PrefetchException($"blob {digest} was not stored: {outcome.Failure}");
                    }

                    Interlocked.Add(ref _bytes, outcome.Length);
                    result.BlobsFetched++;
                }

                return;
        }
    }

    /// <summary>The platform an image config records, or null when it records none (or is no JSON image config).</summary>
    private async Task<Platform?> ConfigPlatformAsync(Repository repository, Digest config, CancellationToken cancellationToken)
    {
        if (await reader.GetBlobAsync(repository, config, headOnly: false, cancellationToken) is not BlobLookup.Stored stored)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(stored.Blob.Path, cancellationToken));
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? Read(string key) => json.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return Read("os") is { } os && Read("architecture") is { } arch ? new Platform(os, arch, Read("variant")) : null;
        }
        catch (JsonException)
        {
            return null; // an artifact's config need not be JSON
        }
    }

    /// <summary>Tags as given, with <c>*</c> patterns expanded from the upstream's tag list.</summary>
    private async Task<List<Reference>> ExpandTagsAsync(Repository repository, IReadOnlyList<string> patterns, CancellationToken cancellationToken)
    {
        var references = patterns.Where(p => !p.Contains('*')).Select(Reference.ForTag).ToList();
        var globs = patterns.Where(p => p.Contains('*')).Select(p => new Glob(p)).ToList();
        if (globs.Count == 0)
        {
            return references;
        }

        var listing = await upstreams.ListTagsAsync(repository, TagPageSize, MaxTagPages, cancellationToken);
        if (listing.Failure is { } failure)
        {
            LogFailed($"{repository.Name}:tags/list", failure.ToString());
        }

        references.AddRange(listing.Tags.Where(t => RepositoryName.IsValidTag(t) && globs.Any(g => g.IsMatch(t))).Select(Reference.ForTag));
        return references.DistinctBy(r => r.ToString()).ToList();
    }

    /// <summary>Whether <paramref name="filter"/> is <c>os/arch</c> or <c>os/arch/variant</c>, each part non-empty.</summary>
    public static bool IsPlatformFilter(string? filter) =>
        filter is not null && filter.Split('/') is { Length: 2 or 3 } parts &&
        parts.All(p => p.Length > 0 && !p.Any(char.IsWhiteSpace));

    /// <summary><c>os/arch[/variant]</c>; a filter without a variant matches every variant.</summary>
    internal static bool Matches(Platform? platform, IReadOnlyList<string> filters)
    {
        if (platform is null)
        {
            return false;
        }

        foreach (var filter in filters)
        {
            var parts = filter.Split('/');
            if (parts.Length >= 2 && parts[0] == platform.Os && parts[1] == platform.Architecture &&
                (parts.Length == 2 || parts[2] == platform.Variant))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prefetch of {Image} failed: {Reason}")]
    private partial void LogFailed(string image, string reason);
}

public sealed class PrefetchResult
{
    public List<string> Images { get; } = [];

    public List<string> Failed { get; } = [];

    public int Manifests { get; set; }

    public int BlobsFetched { get; set; }

    public int BlobsPresent { get; set; }
}

internal sealed class PrefetchException(string message) : Exception(message);
