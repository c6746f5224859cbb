using System.Globalization;
using OciCache.Benchmarks.Infra;

namespace OciCache.Benchmarks.Clients;

internal sealed record CurlResult(bool Ok, int Status, double FirstByteSeconds, double TotalSeconds, long Bytes, double BytesPerSecond, string Error);

/// <summary>
/// curl GET into /dev/null: raw blob throughput, as seen by one HTTP/1.1 connection; on CPU
/// <paramref name="cpu"/> only when one is given.
/// </summary>
internal static class Curl
{
    public static async Task<CurlResult> GetAsync(Uri url, TimeSpan timeout, int? cpu = null)
    {
        var (file, arguments) = Exec.OnCpu(cpu, "curl",
            ["-sS", "-o", "/dev/null", "--max-time", ((int)timeout.TotalSeconds).ToString(),
             "-w", "%{http_code} %{time_starttransfer} %{time_total} %{size_download} %{speed_download}", url.ToString()]);
        var result = await Exec.RunAsync(null, file, arguments, timeout + TimeSpan.FromSeconds(10));
        var parts = result.Stdout.Trim().Split(' ');
        if (parts.Length != 5)
        {
            return new CurlResult(false, 0, double.NaN, double.NaN, 0, double.NaN, result.Describe);
        }

        var status = int.Parse(parts[0], CultureInfo.InvariantCulture);
        return new CurlResult(result.Ok && status == 200, status,
            double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture),
            long.Parse(parts[3], CultureInfo.InvariantCulture), double.Parse(parts[4], CultureInfo.InvariantCulture), result.Describe);
    }
}
