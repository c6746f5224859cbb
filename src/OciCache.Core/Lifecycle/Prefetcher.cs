using Microsoft.Extensions.Logging;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Upstream;

namespace OciCache.Lifecycle;

/// <summary>
/// Fetches images into the cache ahead of need: their manifests, the listed platforms' manifests of a
/// multi-arch index, and those manifests' blobs, each image by the shared <see cref="ImageCopier"/> (the
/// same pull-through reader as clients, so fetches are shared with concurrent pulls and verified before
/// they are published).
/// </summary>
public sealed partial class Prefetcher(
    ImageCopier copier, RepositoryRouter router, UpstreamClient upstreams, ILogger<Prefetcher> logger)
{
    private const int TagPageSize = 1000;
    private const int MaxTagPages = 50;

    private PrefetchResult? _current;

    /// <summary>The tally of the running (or last) prefetch, safe to read while it runs.</summary>
    public PrefetchResult? Current => Volatile.Read(ref _current);

    /// <summary>Bytes fetched from upstreams by the running (or last) prefetch.</summary>
    public long BytesFetched => Volatile.Read(ref _current)?.BytesFetched ?? 0;

    /// <summary>Bytes received so far, including blobs still being fetched (for progress displays).</summary>
    public long BytesInFlight => Volatile.Read(ref _current)?.BytesInFlight ?? 0;

    public async Task<PrefetchResult> RunAsync(IEnumerable<PrefetchImage> images, CancellationToken cancellationToken)
    {
        var result = new PrefetchResult();
        Volatile.Write(ref _current, result);
        foreach (var entry in images)
        {
            if (!ImageReference.TryParse(entry.Image, out var image))
            {
                Fail(result, entry.Image, new CopyFailed("not an image name"));
                continue;
            }

            Repository repository;
            try
            {
                repository = router.Route(image.RoutedName, null);
            }
            catch (FailureException e)
            {
                Fail(result, entry.Image, new CopyFailed(e.Failure.Detail ?? e.Failure.Message, e.Failure));
                continue;
            }

            if (!repository.IsMirror)
            {
                Fail(result, entry.Image, new CopyFailed($"{image.Registry} is not a configured upstream"));
                continue;
            }

            var patterns = entry.Tags.Count > 0 ? entry.Tags : [image.Tag ?? "latest"];
            if (image.Digest is null && patterns.FirstOrDefault(p => !p.Contains('*') && !RepositoryName.IsValidTag(p)) is { } notATag)
            {
                result.Failed.Add(new ImageFailure(entry.Image, new CopyFailed($"'{notATag}' is not a tag")));
                continue;
            }

            var references = image.Digest is { } digest
                ? [Reference.ForDigest(digest)]
                : await ExpandTagsAsync(repository, patterns, cancellationToken);
            foreach (var reference in references)
            {
                try
                {
                    await copier.CopyAsync(repository, reference, entry.Platforms, result, cancellationToken);
                    result.Images.Add($"{repository.Name}:{reference}");
                }
                catch (FailureException e)
                {
                    Fail(result, $"{repository.Name}:{reference}", e.Failure);
                }
            }
        }

        return result;
    }

    /// <summary>One place for failures, so the command line prints and the scheduled prefetch logs the same reason.</summary>
    private void Fail(PrefetchResult result, string image, Failure failure)
    {
        result.Failed.Add(new ImageFailure(image, failure));
        LogFailed(image, failure.ToString());
    }

    /// <summary>Tags as given, with <c>*</c> patterns expanded from the upstream's tag list.</summary>
    private async Task<List<Reference>> ExpandTagsAsync(Repository repository, IReadOnlyList<string> patterns, CancellationToken cancellationToken)
    {
        var references = patterns.Where(p => !p.Contains('*')).Select(Reference.ForTag).ToList();
        if (!patterns.Any(p => p.Contains('*')))
        {
            return references;
        }

        // A pattern with a character no tag has (the settings check refuses most) matches no listed tag.
        var globs = patterns.Where(p => p.Contains('*')).Select(p => TagPattern.TryParse(p, out var glob, out _) ? glob : null).OfType<TagPattern>().ToList();

        var listing = await upstreams.ListTagsAsync(repository, TagPageSize, MaxTagPages, cancellationToken);
        if (listing.Failure is { } failure)
        {
            LogFailed($"{repository.Name}:tags/list", failure.ToString());
        }

        references.AddRange(listing.Tags.Where(t => RepositoryName.IsValidTag(t) && globs.Any(g => g.IsMatch(t))).Select(Reference.ForTag));
        return references.DistinctBy(r => r.ToString()).ToList();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prefetch of {Image} failed: {Reason}")]
    private partial void LogFailed(string image, string reason);
}

public sealed class PrefetchResult : CopyTally
{
    public List<string> Images { get; } = [];

    /// <summary>Each failure whole; its text is <c>IMAGE: REASON</c>.</summary>
    public List<ImageFailure> Failed { get; } = [];
}
