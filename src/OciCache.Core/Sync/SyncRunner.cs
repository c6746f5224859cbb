using Microsoft.Extensions.Logging;
using OciCache.Lifecycle;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Upstream;

namespace OciCache.Sync;

/// <summary>
/// Runs one sync job once: finds its repositories (the upstream's catalog for patterns, plain names as
/// listed), lists their tags, and copies each matching tag through <see cref="ImageCopier"/> (the pull's own
/// verified path), then its referrers. Idempotent, so a run after a restart or a WAN cut resumes where the
/// last one stopped: stored content is skipped, a blob cut off mid-fetch is fetched again. It never deletes
/// anything. It obeys the upstream's Allow and Deny rules and does nothing while the cache is offline.
/// A tag that a <c>Trust:Policies</c> rule covers is checked before it is copied (<see cref="ImageTrust"/>):
/// refused by an enforcing rule, none of its child manifests, configs or layers is fetched and the run names
/// it among its failures with the reason; a warning rule's failure is copied and kept in <see cref="CopyTally.TrustWarnings"/>. Referrers
/// (signatures) are never checked.
/// </summary>
public sealed partial class SyncRunner(
    ImageCopier copier, UpstreamClient upstreams, UpstreamRules rules, OfflineSwitch offline, SyncMetrics metrics,
    TimeProvider time, ILogger<SyncRunner> logger)
{
    private const int PageSize = 1000;
    private const int MaxPages = 100;
    private const int MaxReferrerPages = 10;

    /// <summary>A long run (a first sync over a thin WAN) logs how far it got this often.</summary>
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMinutes(1);

    /// <summary>Runs <paramref name="job"/> now; the returned run is also what progress displays read while it goes.</summary>
    public async Task<SyncRun> RunAsync(SyncJob job, string name, Action<SyncRun>? started, CancellationToken cancellationToken)
    {
        var run = new SyncRun(name, time);
        started?.Invoke(run);
        if (offline.IsOn)
        {
            run.Skipped = true;
            LogSkippedOffline(name);
            metrics.Finished(run);
            return run;
        }

        if (!TagFilter.TryCreate(job.Tags, out var filter, out var error))
        {
            Fail(run, name, new CopyFailed(error!)); // settings are validated at start; this is a defence only
            metrics.Finished(run);
            return run;
        }

        using var _ = metrics.Running(run);
        foreach (var remote in await DiscoverAsync(job, run, cancellationToken))
        {
            var repository = Repository.Mirror(job.Upstream, RepositoryRouter.NormalizeRemote(job.Upstream, remote));
            if (rules.Check(repository, null) is { } denied)
            {
                LogDenied(name, repository.Name, denied.Detail ?? denied.Message);
                continue;
            }

            var listing = await upstreams.ListTagsAsync(repository, PageSize, MaxPages, cancellationToken);
            if (listing.Failure is { } failure)
            {
                Fail(run, $"{repository.Name}:tags/list", failure);
            }

            foreach (var tag in listing.Tags.Where(Takes))
            {
                if (rules.Check(repository, Reference.ForTag(tag)) is { } tagDenied)
                {
                    LogDenied(name, $"{repository.Name}:{tag}", tagDenied.Detail ?? tagDenied.Message);
                    continue;
                }

                if (await CopyAsync(run, repository, Reference.ForTag(tag), job.Platforms, cancellationToken) is { } copied && job.Referrers)
                {
                    await ReferrersAsync(run, repository, copied, listing.Tags, cancellationToken);
                }
            }
        }

        metrics.Finished(run);
        var seconds = Math.Max(run.Elapsed.TotalSeconds, 0.001);
        LogFinished(name, run.Images, run.BlobsFetched, run.BytesFetched, (long)(run.BytesFetched / seconds), run.BlobsPresent, run.Failed.Count, run.Elapsed.TotalSeconds);
        if (run.TrustRefused > 0 || run.TrustWarnings.Count > 0)
        {
            LogTrust(name, run.TrustRefused, run.TrustWarnings.Count);
        }

        return run;

        bool Takes(string tag)
        {
            var before = filter.Timeouts;
            var taken = filter.IsMatch(tag);
            if (before == 0 && filter.Timeouts > 0)
            {
                LogRegexTimeout(name, filter.Pattern!, tag);
            }

            return taken;
        }
    }

    /// <summary>
    /// Plain names as listed, and the catalog's names that match a pattern. A registry that refuses its
    /// catalog (401, 403, 404: Harbor and Docker Hub do, to most accounts) leaves the plain names, logged;
    /// one that cannot answer (down, 5xx) fails the run, which still syncs the plain names.
    /// </summary>
    private async Task<List<string>> DiscoverAsync(SyncJob job, SyncRun run, CancellationToken cancellationToken)
    {
        var names = job.Repositories.Where(r => !r.Contains('*')).ToList();
        var globs = job.Repositories.Where(r => r.Contains('*')).Select(RepositoryPattern.Parse).ToList();
        if (globs.Count > 0)
        {
            var catalog = await upstreams.ListCatalogAsync(job.Upstream, PageSize, MaxPages, cancellationToken);
            if (catalog.Failure is { Kind: UpstreamFailureKind.NotFound or UpstreamFailureKind.Unauthorized or UpstreamFailureKind.Rejected } refused)
            {
                LogCatalogRefused(run.Job, job.Upstream, refused.ToString(), names.Count);
            }
            else if (catalog.Failure is { } failure)
            {
                Fail(run, $"{job.Upstream}/_catalog", failure);
            }

            names.AddRange(catalog.Names.Where(n => globs.Any(g => g.IsMatch(n))));
        }

        return names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Copies one image (a referrer with <paramref name="platforms"/> null: whole, and never checked against a
    /// trust rule); null (counted and logged as a failure) when it could not be, or a trust rule refused it.
    /// </summary>
    private async Task<CopiedImage?> CopyAsync(SyncRun run, Repository repository, Reference reference, IReadOnlyList<string>? platforms, CancellationToken cancellationToken)
    {
        var before = run.BytesFetched;
        try
        {
            var copied = platforms is null
                ? await copier.CopyReferrerAsync(repository, reference, run, cancellationToken)
                : await copier.CopyAsync(repository, reference, platforms, run, cancellationToken);
            run.AddImage();
            metrics.Copied(run, run.BytesFetched - before, whole: true);
            if (run.ProgressDue(ProgressEvery))
            {
                LogProgress(run.Job, run.Images, run.BytesFetched, (long)(run.BytesFetched / Math.Max(run.Elapsed.TotalSeconds, 0.001)), run.Failed.Count);
            }

            return copied;
        }
        catch (FailureException e)
        {
            metrics.Copied(run, run.BytesFetched - before, whole: false);
            Fail(run, $"{repository.Name}:{reference}", e.Failure);
            return null;
        }
    }

    /// <summary>
    /// The referrers of the image and of the child manifests copied: those the referrers API lists, by digest,
    /// and the fallback tags (<see cref="ReferrerTags"/>) the repository has. Every platform of them, since a
    /// signature is no platform's.
    /// </summary>
    private async Task ReferrersAsync(SyncRun run, Repository repository, CopiedImage image, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var present = tags.ToHashSet(StringComparer.Ordinal);
        foreach (var subject in image.Children.Prepend(image.Digest))
        {
            var listed = await upstreams.ListReferrersAsync(repository, subject, MaxReferrerPages, cancellationToken);
            if (listed.Failure is { Kind: not UpstreamFailureKind.NotFound } failure)
            {
                LogReferrersFailed(run.Job, repository.Name, subject, failure.ToString());
            }

            foreach (var referrer in listed.Referrers.Where(run.FirstTime))
            {
                await CopyAsync(run, repository, Reference.ForDigest(referrer), null, cancellationToken);
            }

            foreach (var tag in ReferrerTags.For(subject).Where(present.Contains))
            {
                await CopyAsync(run, repository, Reference.ForTag(tag), null, cancellationToken);
            }
        }
    }

    private void Fail(SyncRun run, string what, Failure failure)
    {
        run.Fail(new ImageFailure(what, failure));
        LogFailed(run.Job, what, failure.ToString());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync {Job}: the tag regex {Pattern} ran out of time on tag {Tag}; this and every other tag it times out on counts as not matching (logged once a run)")]
    private partial void LogRegexTimeout(string job, string pattern, string tag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync {Job} skipped: the cache is offline (Cache:Offline), no upstream is contacted")]
    private partial void LogSkippedOffline(string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync {Job}: {Repository} is not synced, the upstream policy denies it: {Rule}")]
    private partial void LogDenied(string job, string repository, string rule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync {Job}: {Upstream} refused to list its catalog ({Failure}); syncing the {Count} repositories named in Repositories only")]
    private partial void LogCatalogRefused(string job, string upstream, string failure, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync {Job}: referrers of {Repository}@{Subject} could not be listed ({Failure}); trying the referrer tags")]
    private partial void LogReferrersFailed(string job, string repository, Digest subject, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync {Job}: {Image} failed: {Reason}")]
    private partial void LogFailed(string job, string image, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync {Job}: {Refused} images refused by an enforcing trust rule (not copied), {Warned} unsigned or invalid under a warning rule (copied)")]
    private partial void LogTrust(string job, int refused, int warned);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync {Job} running: {Images} images, {Bytes} bytes fetched so far ({Rate} bytes/s), {Failed} failed")]
    private partial void LogProgress(string job, int images, long bytes, long rate, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync {Job} done: {Images} images, {Blobs} blobs fetched ({Bytes} bytes, {Rate} bytes/s), {Present} already stored, {Failed} failed, {Seconds:0.0}s")]
    private partial void LogFinished(string job, int images, int blobs, long bytes, long rate, int present, int failed, double seconds);
}
