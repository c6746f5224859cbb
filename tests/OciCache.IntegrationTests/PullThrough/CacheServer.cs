using Microsoft.Extensions.DependencyInjection;
using OciCache.Hosting;
using OciCache.Upstream;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>
/// Starts the real server configured as a cache of the given upstreams. Its timeouts are generous: on a
/// loaded 2-core CI machine a healthy local upstream can take seconds to answer, and no test may fail
/// because it did. Tests of a timeout set a short one themselves, against an upstream that cannot answer
/// in time however fast the machine is (a hold, a dark link), and assert what happened, not how long it took.
/// </summary>
internal static class CacheServer
{
    public static Task<RegistryServer> StartAsync(
        IEnumerable<(string Name, string Url)> upstreams, Action<OciCacheSettings>? configure = null, TimeProvider? time = null) =>
        RegistryServer.StartAsync(settings =>
        {
            foreach (var (name, url) in upstreams)
            {
                settings.Upstreams[name] = new UpstreamOptions { Url = url };
            }

            settings.UpstreamPolicy = new UpstreamPolicyOptions
            {
                ConnectTimeout = TimeSpan.FromSeconds(15),
                ResponseTimeout = TimeSpan.FromSeconds(30),
                TotalTimeout = TimeSpan.FromSeconds(60),
                StallTimeout = TimeSpan.FromSeconds(30),
                Retries = 1,
                // Once open, the breaker stays open for the rest of any test that opened it.
                BreakDuration = TimeSpan.FromMinutes(5),
                BreakAfterFailures = 3,
            };
            // A tag due for revalidation waits for the upstream's verdict (its own timeouts bound it), so a
            // slow machine does not turn an answer into "110 Response is Stale"; the test of that wait sets its own.
            settings.Cache.RevalidateWait = TimeSpan.FromMinutes(1);
            configure?.Invoke(settings);
        }, time: time);

    public static Task<RegistryServer> StartAsync(string name, string url, Action<OciCacheSettings>? configure = null, TimeProvider? time = null) =>
        StartAsync([(name, url)], configure, time);

    /// <summary>
    /// Waits until the fill of <paramref name="digest"/> (if one still runs) ended, then asserts the blob is
    /// committed: a client gets its last byte once the digest checks, before the fsync and rename.
    /// </summary>
    public static async Task WhenStoredAsync(this RegistryServer cache, OciCache.Oci.Digest digest)
    {
        if (cache.Services.GetRequiredService<OciCache.PullThrough.FillCoordinator>().Find(digest) is { } fill)
        {
            await fill.Completion.WaitAsync(Eventually.DefaultTimeout);
        }

        Assert.True(await cache.Services.GetRequiredService<OciCache.Storage.IBlobStore>().GetLengthAsync(digest) is not null, $"{digest} was not stored");
    }
}
