using OciCache.Oci;
using OciCache.Sync;

namespace OciCache.Hosting;

/// <summary>Checks <c>Sync:Jobs</c>: each failure names the job's key (<c>Sync:Jobs:0:Upstream</c>).</summary>
internal static class SyncSettingsValidator
{
    public static void Check(OciCacheSettings settings, List<string> errors)
    {
        var upstreams = settings.EffectiveUpstreams;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < settings.Sync.Jobs.Count; i++)
        {
            var job = settings.Sync.Jobs[i];
            var key = $"Sync:Jobs:{i}";
            if (!upstreams.ContainsKey(job.Upstream))
            {
                errors.Add($"{key}:Upstream: '{job.Upstream}' is not a configured upstream ({string.Join(", ", upstreams.Keys)}).");
            }

            var name = job.NameOrDefault(i);
            if (name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || name.Length > 100)
            {
                errors.Add($"{key}:Name: '{name}' must be up to 100 characters without spaces.");
            }
            else if (!names.Add(name))
            {
                errors.Add($"{key}:Name: another job is named '{name}'.");
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
    }
}
