using System.Diagnostics;

namespace OciCache.Benchmarks.Clients;

internal sealed record FirstByteResult(bool Ok, double HeadersSeconds, double FirstByteSeconds, string Error);

/// <summary>
/// Time to first byte of a blob on a new connection: the request goes out, the clock stops at the
/// response headers and again at the first body byte, and the download is abandoned.
/// </summary>
internal static class FirstByte
{
    public static async Task<FirstByteResult> MeasureAsync(Uri url, TimeSpan timeout)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = timeout };
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            var headers = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (!response.IsSuccessStatusCode)
            {
                return new FirstByteResult(false, headers, double.NaN, $"HTTP {(int)response.StatusCode}");
            }

            await using var body = await response.Content.ReadAsStreamAsync();
            var one = new byte[1];
            var read = await body.ReadAsync(one);
            var first = Stopwatch.GetElapsedTime(start).TotalSeconds;
            return read == 1 ? new FirstByteResult(true, headers, first, "") : new FirstByteResult(false, headers, double.NaN, "empty body");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new FirstByteResult(false, double.NaN, double.NaN, e.Message);
        }
    }
}
