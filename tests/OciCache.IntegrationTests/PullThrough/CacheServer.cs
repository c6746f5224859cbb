using OciCache.Hosting;
using OciCache.Upstream;

namespace OciCache.IntegrationTests.PullThrough;

/// <summary>Starts the real server configured as a cache of the given upstreams, with short test timeouts.</summary>
internal static class CacheServer
{
    public static Task<RegistryServer> StartAsync(IEnumerable<(string Name, string Url)> upstreams, Action<OciCacheSettings>? configure = null) =>
        RegistryServer.StartAsync(settings =>
        {
            foreach (var (name, url) in upstreams)
            {
                settings.Upstreams[name] = new UpstreamOptions { Url = url };
            }

            settings.UpstreamPolicy = new UpstreamPolicyOptions
            {
                ConnectTimeout = TimeSpan.FromSeconds(1),
                ResponseTimeout = TimeSpan.FromSeconds(2),
                TotalTimeout = TimeSpan.FromSeconds(5),
                StallTimeout = TimeSpan.FromSeconds(3),
                Retries = 1,
                BreakDuration = TimeSpan.FromSeconds(5),
                BreakAfterFailures = 3,
            };
            configure?.Invoke(settings);
        });

    public static Task<RegistryServer> StartAsync(string name, string url, Action<OciCacheSettings>? configure = null) =>
        StartAsync([(name, url)], configure);
}
