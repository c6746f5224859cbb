using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using OciCache.Observability;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;
using OciCache.Upstream;

namespace OciCache.PullThrough;

/// <summary>
/// Manifests of mirror repositories. By digest they are immutable: fetched once, served forever. By tag
/// they are revalidated with an upstream HEAD (free of Docker Hub's pull limit) at most once per
/// <see cref="PullThroughOptions.TagRevalidateInterval"/>, re-fetched only when the digest moved, and
/// served stale (with a Warning header) while the upstream is down, limiting or broken. What the upstream
/// sends is stored by <see cref="ManifestWriter"/>, the same path as a push (<see cref="ManifestOrigin.Upstream"/>).
/// </summary>
internal sealed partial class MirrorManifests(
    LocalContentReader local, IManifestIndex index, ManifestWriter writer, UpstreamClient upstreams, IMemoryCache cache,
    PullThroughOptions options, OfflineSwitch offline, TimeProvider time, CacheMetrics metrics, ILogger<MirrorManifests> logger)
{
    private const string StaleWarning = "111 - \"Revalidation Failed\"";
    private const string SlowWarning = "110 - \"Response is Stale\"";

    private readonly SingleFlight<(string Repository, string Reference), ManifestLookup> _flights = new();

    private readonly ManifestBudget _budget = new(options.ManifestBytesInFlight);

    private readonly record struct NegativeKey(string Repository, string Reference);

    public async ValueTask<ManifestLookup> GetAsync(Repository repository, Reference reference, bool headOnly, CancellationToken cancellationToken)
    {
        var key = (repository.Name, reference.ToString());
        if (!reference.IsTag)
        {
            if (await local.FindAsync(repository, reference, needBytes: !headOnly, cancellationToken) is ManifestLookup.Found stored)
            {
                Hit(repository);
                return stored;
            }

            return await FromUpstreamAsync(repository, reference, key, cancellationToken);
        }

        if (await index.GetTagAsync(repository, reference.Tag, cancellationToken) is not { } tag)
        {
            return await FromUpstreamAsync(repository, reference, key, cancellationToken);
        }

        var cached = await local.FindAsync(repository, Reference.ForDigest(tag.Digest), needBytes: !headOnly, cancellationToken) as ManifestLookup.Found;
        // Offline, the cached copy is the answer: there is nobody to revalidate with, and it is not stale by choice.
        if (cached is not null && (offline.IsOn || time.GetUtcNow() - tag.CheckedAt < options.TagRevalidateInterval))
        {
            Hit(repository);
            return cached;
        }

        // Counted here, where a stale copy is handed to a client: a revalidation that nobody waited for
        // any more may still end in a stale answer that is served to no one.
        var lookup = await AwaitRevalidationAsync(repository, tag, cached, key, cancellationToken);
        if (lookup is ManifestLookup.Found { Warning: not null })
        {
            metrics.StaleServed.Add(1, new KeyValuePair<string, object?>("upstream", repository.Upstream));
        }

        return lookup;
    }

    private async Task<ManifestLookup> AwaitRevalidationAsync(
        Repository repository, TagRecord tag, ManifestLookup.Found? cached, (string, string) key, CancellationToken cancellationToken)
    {
        var revalidation = _flights.RunAsync(key, () => RevalidateAsync(repository, tag, cached), CancellationToken.None);
        if (cached is null || time.GetUtcNow() - tag.CheckedAt > options.MaxStaleness)
        {
            return await revalidation.WaitAsync(cancellationToken);
        }

        // A cached copy may serve: wait for the upstream only so long, then let the revalidation finish
        // on its own (its outcome updates the tag for the next request).
        try
        {
            return await revalidation.WaitAsync(options.RevalidateWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            LogRevalidationSlow(repository.Name, tag.Name, options.RevalidateWait);
            return cached with { Warning = SlowWarning };
        }
    }

    private async Task<ManifestLookup> FromUpstreamAsync(
        Repository repository, Reference reference, (string, string) key, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(new NegativeKey(repository.Name, reference.ToString()), out ManifestLookup? remembered))
        {
            return remembered!;
        }

        return await _flights.RunAsync(key, () => FetchAsync(repository, reference), cancellationToken);
    }

    private async Task<ManifestLookup> RevalidateAsync(Repository repository, TagRecord tag, ManifestLookup.Found? cached)
    {
        var reference = Reference.ForTag(tag.Name);
        var result = await upstreams.HeadManifestAsync(repository, reference, CancellationToken.None);
        if (result.Response is { } response)
        {
            using (response)
            {
                var upstreamDigest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) &&
                                     Digest.TryParse(values.FirstOrDefault(), out var d) ? d : (Digest?)null;
                if (cached is not null && upstreamDigest == tag.Digest)
                {
                    await RecordCheckAsync(repository, tag.Name);
                    Hit(repository);
                    return cached;
                }
            }

            // The tag moved (or the upstream gave no digest): fetch it; if that fails, the cached copy still serves.
            var fetched = await FetchAsync(repository, reference);
            return fetched is ManifestLookup.Found || cached is null ? fetched : Stale(repository, tag, cached, "re-fetch failed");
        }

        var failure = result.Failure!;
        if (!failure.IsOutage)
        {
            if (options.OnUpstreamNotFound == UpstreamNotFoundPolicy.ServeCached && cached is not null)
            {
                LogGoneUpstream(repository.Name, tag.Name);
                await RecordCheckAsync(repository, tag.Name);
                return cached;
            }

            await index.DeleteTagAsync(repository, tag.Name);
            return Remember(repository, reference, new ManifestUnknown(reference));
        }

        return cached is null
            ? new ManifestLookup.Missing(Unavailable(repository, reference, failure))
            : Stale(repository, tag, cached, failure.ToString());
    }

    /// <summary>
    /// Records that the upstream confirmed the tag. That is bookkeeping for the staleness limit: when the
    /// metadata refuses the write (a full volume, an I/O error, a database that cannot be reached), the
    /// confirmed copy is served all the same, and the next pull records its check again.
    /// </summary>
    private async Task RecordCheckAsync(Repository repository, string tag)
    {
        try
        {
            await index.MarkTagCheckedAsync(repository, tag, time.GetUtcNow());
        }
        catch (Exception e) when (e is FailureException or System.Data.Common.DbException or IOException)
        {
            LogCheckNotRecorded(repository.Name, tag, e.Message);
        }
    }

    private ManifestLookup Stale(Repository repository, TagRecord tag, ManifestLookup.Found cached, string reason)
    {
        var age = time.GetUtcNow() - tag.CheckedAt;
        if (age > options.MaxStaleness)
        {
            LogTooStale(repository.Name, tag.Name, age, reason);
            return new ManifestLookup.Missing(new ManifestUnknown(
                $"manifest unknown: cached copy too stale to serve, and upstream {repository.Upstream} failed ({reason})",
                $"{repository.Name}:{tag.Name} was last confirmed {age} ago, longer than Cache:MaxStaleness, and {repository.Upstream} cannot be reached ({reason})",
                cause: null));
        }

        LogServingStale(repository.Name, tag.Name, age, reason);
        return cached with { Warning = StaleWarning };
    }

    private async Task<ManifestLookup> FetchAsync(Repository repository, Reference reference)
    {
        var result = await upstreams.GetManifestAsync(repository, reference, CancellationToken.None);
        if (result.Failure is { } failure)
        {
            return failure.IsOutage
                ? new ManifestLookup.Missing(Unavailable(repository, reference, failure))
                : Remember(repository, reference, new ManifestUnknown(reference));
        }

        using var response = result.Response!;
        // Held whole to be verified: what it may take is reserved first, by its length or the manifest limit.
        using var reservation = _budget.TryReserve(Math.Min(response.Content.Headers.ContentLength ?? ManifestDocument.MaxSize, ManifestDocument.MaxSize));
        if (reservation is null)
        {
            LogBudgetFull(repository.Name, reference.ToString(), _budget.Capacity);
            return new ManifestLookup.Missing(new Unavailable("too many manifests being fetched",
                $"{repository.Name}:{reference} is not cached, and the manifests being fetched from upstreams fill Cache:ManifestBytesInFlight ({_budget.Capacity} bytes); retry shortly",
                RetryAfter: TimeSpan.FromSeconds(1)));
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var claimed = response.Headers.TryGetValues("Docker-Content-Digest", out var values) &&
                          Digest.TryParse(values.FirstOrDefault(), out var header) ? header : (Digest?)null;
            var stored = await writer.WriteAsync(repository, reference, body, response.Content.Headers.ContentType?.ToString(),
                ManifestOrigin.Upstream(claimed), timeout.Token);
            metrics.Misses.Add(1, Tags("manifest", repository));
            // Not read back from the store: under a small budget eviction may already have taken it.
            return new ManifestLookup.Found(stored.Record) { Content = stored.Content };
        }
        catch (FailureException e)
        {
            // The upstream's bytes themselves are unusable (not JSON, not UTF-8, wrong digest, too large):
            // asking again at once would get the same bytes, so the refusal is remembered like a 404.
            var reason = e.Failure.Detail ?? e.Failure.Message;
            LogBadManifest(repository.Name, reference.ToString(), reason);
            return Remember(repository, reference, Unavailable(repository, reference,
                new UpstreamFailure(UpstreamFailureKind.Invalid, reason)));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            var reason = FailureText.Describe(e);
            LogBadManifest(repository.Name, reference.ToString(), reason);
            return new ManifestLookup.Missing(Unavailable(repository, reference,
                new UpstreamFailure(UpstreamFailureKind.Invalid, reason)));
        }
    }

    /// <summary>An upstream 404 is remembered briefly so repeated misses stay local.</summary>
    private ManifestLookup Remember(Repository repository, Reference reference, Failure error)
    {
        var missing = new ManifestLookup.Missing(error);
        cache.Set(new NegativeKey(repository.Name, reference.ToString()), (ManifestLookup)missing,
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.NegativeCacheTtl });
        return missing;
    }

    /// <summary>
    /// Not cached and the upstream failed: 404 with the reason, so containerd moves on to its next host
    /// at once (it retries a 429 on the same host and would hang on a slow answer). The reason is in the
    /// message, which clients print, not only in the detail; it is the classified failure, which never
    /// holds a URL or a credential.
    /// </summary>
    private static ManifestUnknown Unavailable(Repository repository, Reference reference, UpstreamFailure failure) =>
        new($"manifest unknown: not cached, and upstream {repository.Upstream} failed ({failure})",
            $"{repository.Name}:{reference} is not cached and upstream {repository.Upstream} failed: {failure}", failure);

    private void Hit(Repository repository) => metrics.Hits.Add(1, Tags("manifest", repository));

    private static KeyValuePair<string, object?>[] Tags(string kind, Repository repository) =>
        [new("kind", kind), new("upstream", repository.Upstream)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Serving {Repository}:{Tag} from cache, last confirmed {Age} ago: upstream failed ({Reason})")]
    private partial void LogServingStale(string repository, string tag, TimeSpan age, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Serving {Repository}:{Tag} from cache: upstream did not answer its revalidation within {Wait}; it goes on in the background")]
    private partial void LogRevalidationSlow(string repository, string tag, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not serving {Repository}:{Tag}: last confirmed {Age} ago, beyond the staleness limit, and upstream failed ({Reason})")]
    private partial void LogTooStale(string repository, string tag, TimeSpan age, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Serving {Repository}:{Tag} as the upstream confirmed it, but the check could not be recorded: {Reason}")]
    private partial void LogCheckNotRecorded(string repository, string tag, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upstream no longer has {Repository}:{Tag}; serving the cached copy")]
    private partial void LogGoneUpstream(string repository, string tag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused to fetch {Repository}:{Reference} now: manifests being fetched fill Cache:ManifestBytesInFlight ({Capacity} bytes); the client was told to retry")]
    private partial void LogBudgetFull(string repository, string reference, long capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upstream sent an unusable manifest for {Repository}:{Reference}; not cached: {Reason}")]
    private partial void LogBadManifest(string repository, string reference, string reason);
}
