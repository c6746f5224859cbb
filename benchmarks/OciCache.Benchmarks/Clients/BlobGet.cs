using System.Diagnostics;

namespace OciCache.Benchmarks.Clients;

internal sealed record BlobGetResult(bool Ok, int Status, double Seconds, long Bytes, string Error)
{
    public double BytesPerSecond => Bytes / Seconds;
}

/// <summary>
/// A raw blob GET from inside the harness on a new connection, the body read in 1 MiB steps into one
/// buffer and dropped. On loopback it costs the client no more than curl into /dev/null (in a trial on
/// this machine both spent about 0.3 s of CPU per 1.4 GB; curl makes a recv per ~90 KiB and a write
/// per 8 KiB, this a read per MiB at most) and it needs no process start, so the clock covers the
/// request's send to its last byte and clients started together really start together.
/// </summary>
internal static class BlobGet
{
    private const int BufferBytes = 1 << 20;

    public static async Task<BlobGetResult> FetchAsync(Uri url, TimeSpan timeout)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = timeout };
        var buffer = new byte[BufferBytes];
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            long bytes = 0;
            for (int read; (read = await body.ReadAsync(buffer)) > 0;)
            {
                bytes += read;
            }

            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            return response.IsSuccessStatusCode
                ? new BlobGetResult(true, (int)response.StatusCode, seconds, bytes, "")
                : new BlobGetResult(false, (int)response.StatusCode, seconds, bytes, $"HTTP {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new BlobGetResult(false, 0, Stopwatch.GetElapsedTime(start).TotalSeconds, 0, e.Message);
        }
    }
}
