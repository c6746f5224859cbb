using Microsoft.Extensions.Options;
using OciCache.Lifecycle;
using OciCache.Oci;

namespace OciCache.Sync;

/// <summary>
/// Checks <c>Sync:Jobs</c> at start: each failure names the job's key (<c>Sync:Jobs:0:Repositories</c>). That
/// a job's upstream is configured is checked with the upstreams, by <see cref="OciCacheCoreOptionsValidator"/>.
/// </summary>
internal sealed class SyncOptionsValidator : IValidateOptions<SyncOptions>
{
    public ValidateOptionsResult Validate(string? name, SyncOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Jobs.Count; i++)
        {
            var job = options.Jobs[i];
            var key = $"Sync:Jobs:{i}";
            var jobName = job.NameOrDefault(i);
            if (jobName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || jobName.Length > 100)
            {
                errors.Add($"{key}:Name: '{jobName}' must be up to 100 characters without spaces.");
            }
            else if (!names.Add(jobName))
            {
                errors.Add($"{key}:Name: another job is named '{jobName}'.");
            }

            if (job.Repositories.Count == 0)
            {
                errors.Add($"{key}:Repositories: name at least one repository or pattern (warehouse/**).");
            }

            foreach (var repository in job.Repositories)
            {
                if (!RepositoryPattern.TryParse(repository, out _, out var error))
                {
                    errors.Add($"{key}:Repositories: {error}.");
                }
            }

            if (!TagFilter.TryCreate(job.Tags, out _, out var tagError))
            {
                errors.Add($"{key}:Tags: {tagError}.");
            }

            foreach (var platform in job.Platforms.Where(p => !PlatformFilter.IsValid(p)))
            {
                errors.Add($"{key}:Platforms: '{platform}' is not os/arch[/variant].");
            }

            if (job.Interval <= TimeSpan.Zero)
            {
                errors.Add($"{key}:Interval: {job.Interval} must be more than zero (format d.hh:mm:ss).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
