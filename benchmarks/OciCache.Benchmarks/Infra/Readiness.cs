using System.Diagnostics;

namespace OciCache.Benchmarks.Infra;

internal static class Readiness
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// Polls <paramref name="url"/> every 2 ms until it answers 200 and returns the time from the
    /// process's start to that answer: the startup time to first answer.
    /// </summary>
    public static async Task<TimeSpan> WaitAsync(ServiceProcess process, Uri url, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{url.Host}:{url.Port} exited at start:\n{process.Tail()}");
            }

            try
            {
                using var response = await Client.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return Stopwatch.GetElapsedTime(process.StartedAt);
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(2);
        }

        throw new TimeoutException($"{url} did not answer within {timeout.TotalSeconds} s:\n{process.Tail()}");
    }
}
