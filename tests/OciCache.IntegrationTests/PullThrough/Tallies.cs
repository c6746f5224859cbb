using OciCache.Observability;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// Reads a server's own counters. /metrics is the process's Prometheus registry, which every in-process
/// server of the test run feeds; a server's <see cref="CacheMetrics"/> counts only what that server did.
/// </summary>
internal static class Tallies
{
    /// <summary>The count over every series whose tags include all of <paramref name="tags"/>.</summary>
    public static long Sum(this TallyCounter counter, params (string Key, string Value)[] tags)
    {
        long sum = 0;
        foreach (var measurement in counter.Read())
        {
            var matches = 0;
            foreach (var tag in measurement.Tags)
            {
                if (tags.Any(t => t.Key == tag.Key && t.Value == tag.Value?.ToString()))
                {
                    matches++;
                }
            }

            if (matches == tags.Length)
            {
                sum += measurement.Value;
            }
        }

        return sum;
    }
}
