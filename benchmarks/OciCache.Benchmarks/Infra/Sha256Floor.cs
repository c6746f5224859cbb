using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using OciCache.Benchmarks.Reporting;

namespace OciCache.Benchmarks.Infra;

/// <summary>
/// What SHA-256 alone costs one core of this machine: the floor under a cold fill, which must hash
/// every byte it stores. Two measures, both on the cache's CPU and both as CPU time, not wall time:
/// <c>openssl speed -evp sha256 -bytes 16384</c> (it times its loop in user CPU seconds, unless told
/// <c>-elapsed</c>), and .NET's incremental SHA-256 over a buffer in 1 MiB steps
/// (<c>ocibench sha256</c>, the CPU of its own process), which is OpenSSL's code again on Linux.
/// </summary>
internal static partial class Sha256Floor
{
    public const string OpenSsl = "openssl";
    public const string DotNet = ".NET";

    /// <summary>Both measures on CPU <paramref name="cpu"/>; openssl's only when it is installed.</summary>
    public static async Task<IReadOnlyList<Sha256FloorSample>> MeasureAsync(int cpu, int seconds, int dotnetMiB, string when)
    {
        var samples = new List<Sha256FloorSample>();
        var (file, arguments) = Exec.OnCpu(cpu, "openssl", ["speed", "-evp", "sha256", "-bytes", "16384", "-seconds", seconds.ToString(CultureInfo.InvariantCulture)]);
        var openssl = await Exec.RunAsync(null, file, arguments, TimeSpan.FromSeconds(60 + seconds));

        // "Doing sha256 for 3s on 16384 size blocks: 372063 sha256's in 2.99s" (on stderr in OpenSSL 3).
        if (OpenSslLine().Match(openssl.Stderr + openssl.Stdout) is { Success: true } m)
        {
            samples.Add(new Sha256FloorSample(OpenSsl, when,
                long.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture) * 16384, double.Parse(m.Groups["seconds"].Value, CultureInfo.InvariantCulture)));
        }

        var (self, prefix) = Exec.Self();
        (file, arguments) = Exec.OnCpu(cpu, self, [.. prefix, "sha256", "--mib", dotnetMiB.ToString(CultureInfo.InvariantCulture)]);
        var dotnet = await Exec.RunAsync(null, file, arguments, TimeSpan.FromMinutes(2));
        var parts = dotnet.Stdout.Trim().Split(' ');
        if (dotnet.Ok && parts.Length == 2)
        {
            samples.Add(new Sha256FloorSample(DotNet, when, long.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture)));
        }

        return samples.Count > 0 ? samples
            : throw new InvalidOperationException($"pinned: no SHA-256 floor: openssl {openssl.Describe}; ocibench sha256 {dotnet.Describe}");
    }

    /// <summary>
    /// <c>ocibench sha256 --mib N</c>: hashes N MiB (a random 1 MiB buffer, N times) and prints the bytes and
    /// the CPU seconds this process spent on them, after one untimed pass through the code.
    /// </summary>
    public static int HashInProcess(int mib)
    {
        var buffer = new byte[1 << 20];
        Random.Shared.NextBytes(buffer);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < 16; i++)
        {
            hash.AppendData(buffer);
        }

        hash.GetHashAndReset();
        using var self = Process.GetCurrentProcess();
        var before = self.TotalProcessorTime;
        for (var i = 0; i < mib; i++)
        {
            hash.AppendData(buffer);
        }

        hash.GetHashAndReset();
        self.Refresh();
        var cpu = self.TotalProcessorTime - before;
        Console.WriteLine($"{(long)mib << 20} {cpu.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture)}");
        return 0;
    }

    [GeneratedRegex(@": (?<count>\d+) sha256's in (?<seconds>[0-9.]+)s")]
    private static partial Regex OpenSslLine();
}
