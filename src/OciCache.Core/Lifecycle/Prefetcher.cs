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
                result.Failed.Add($"{entry.Image}: not an image name");
                continue;
            }

            Repository repository;
            try
            {
                repository = router.Route(image.RoutedName, null);
            }
            catch (RegistryException e)
            {
                result.Failed.Add($"{entry.Image}: {e.Detail ?? e.Message}");
                continue;
            }

            if (!repository.IsMirror)
            {
                result.Failed.Add($"{entry.Image}: {image.Registry} is not a configured upstream");
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
                    result.Failed.Add($"{repository.Name}:{reference}: {e.Message}");
                    LogFailed(repository.Name, reference.ToString(), e.Message);
                }
            }
        }

        return result;
    }

    private async Task FetchImageAsync(Repository repository, Reference reference, IReadOnlyList<string> platforms, PrefetchResult result, CancellationToken cancellationToken)
    {
        var root = await ManifestAsync(repository, reference, cancellationToken);
        result.Manifests++;
        var manifests = new List<ManifestDocument>();
        if (root.Manifests.Count > 0)
        {
            foreach (var child in root.Manifests.Where(m => platforms.Count == 0 || Matches(m.Platform, platforms)))
            {
                manifests.Add(await ManifestAsync(repository, Reference.ForDigest(child.Digest), cancellationToken));
                result.Manifests++;
            }
        }
        else
        {
            manifests.Add(root);
        }

        foreach (var manifest in manifests)
        {
            if (manifest.Config is { } config)
            {
                await BlobAsync(repository, config.Digest, result, cancellationToken);
                if (platforms.Count > 0 && root.Manifests.Count == 0 && !await ConfigMatchesAsync(repository, config.Digest, platforms, cancellationToken))
                {
                    continue; // a single-platform image of another platform: its layers are not wanted
                }
            }

            foreach (var layer in manifest.Layers.Where(l => !MediaTypes.IsNonDistributable(l.MediaType)))
            {
                await BlobAsync(repository, layer.Digest, result, cancellationToken);
            }
        }
    }

    private async Task<ManifestDocument> ManifestAsync(Repository repository, Reference reference, CancellationToken cancellationToken)
    {
        var lookup = await reader.GetManifestAsync(repository, reference, headOnly: false, cancellationToken);
        if (lookup is not ManifestLookup.Found found)
        {
            throw new PrefetchException(((ManifestLookup.Missing)lookup).Error.Detail ?? "manifest unknown");
        }

        var bytes = await File.ReadAllBytesAsync(found.Path!, cancellationToken);
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
            case BlobLookup.Filling { Blob: var blob }:
                using (blob)
                {
                    lock (_running)
                    {
                        _running.Add(blob);
                    }

                    try
                    {
                        await blob.Completion.WaitAsync(cancellationToken);
                    }
                    finally
                    {
                        lock (_running)
                        {
                            _running.Remove(blob);
                        }
                    }

                    if (!blob.Published)
                    {
                        throw new PrefetchException($"blob {digest} was not stored: {blob.Failure?.Message ?? "disk full"}");
                    }

                    Interlocked.Add(ref _bytes, blob.Length ?? 0);
                    result.BlobsFetched++;
                }

                return;
        }
    }

    private async Task<bool> ConfigMatchesAsync(Repository repository, Digest config, IReadOnlyList<string> platforms, CancellationToken cancellationToken)
    {
        if (await reader.GetBlobAsync(repository, config, headOnly: false, cancellationToken) is not BlobLookup.Stored stored)
        {
            return true;
        }

        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(stored.Blob.Path, cancellationToken));
        string? Read(string key) => json.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return Read("os") is { } os && Read("architecture") is { } arch
            ? Matches(new Platform(os, arch, Read("variant")), platforms)
            : true;
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
            LogFailed(repository.Name, "tags/list", failure.ToString());
        }

        references.AddRange(listing.Tags.Where(t => RepositoryName.IsValidTag(t) && globs.Any(g => g.IsMatch(t))).Select(Reference.ForTag));
        return references.DistinctBy(r => r.ToString()).ToList();
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prefetch of {Repository}:{Reference} failed: {Reason}")]
    private partial void LogFailed(string repository, string reference, string reason);
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
