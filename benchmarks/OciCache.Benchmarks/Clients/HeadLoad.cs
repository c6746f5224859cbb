using System.Diagnostics;

namespace OciCache.Benchmarks.Clients;

internal sealed record LoadResult(long Requests, long Failures, double Seconds, double P50, double P99)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>
/// A closed-loop HEAD load: <c>connections</c> keep-alive connections, each sending the next request as
/// soon as the last answer came, for a fixed time; latencies of every request are kept. (wrk cannot
/// do HEAD: it waits for a body that never comes.)
/// </summary>
internal static class HeadLoad
{
    public const string ManifestAccept =
        "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " +
        "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, */*";

    public static async Task<LoadResult> RunAsync(Uri url, int connections, TimeSpan duration, TimeSpan warmup)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        })
        { Timeout = TimeSpan.FromSeconds(10) };

        await RunPhaseAsync(client, url, connections, warmup);
        var clock = Stopwatch.StartNew();
        var workers = await RunPhaseAsync(client, url, connections, duration);
        var seconds = clock.Elapsed.TotalSeconds;
        var latencies = workers.SelectMany(w => w.Latencies).ToArray();
        return new LoadResult(latencies.Length, workers.Sum(w => w.Failures), seconds,
            Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99));
    }

    private static async Task<Worker[]> RunPhaseAsync(HttpClient client, Uri url, int connections, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections).Select(_ => new Worker()).ToArray();
        await Task.WhenAll(workers.Select(w => Task.Run(() => w.RunAsync(client, url, until))));
        return workers;
    }

    private sealed class Worker
    {
        public List<double> Latencies { get; } = new(1 << 16);

        public long Failures { get; private set; }

        public async Task RunAsync(HttpClient client, Uri url, long until)
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Head, url);
                    request.Headers.TryAddWithoutValidation("Accept", ManifestAccept);
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    if (!response.IsSuccessStatusCode)
                    {
                        Failures++;
                        continue;
                    }

                    Latencies.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Failures++;
                }
            }
        }
    }
}
