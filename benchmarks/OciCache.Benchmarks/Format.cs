using System.Globalization;

namespace OciCache.Benchmarks;

/// <summary>How numbers read in the results: invariant culture, units that fit the size.</summary>
internal static class Format
{
    public static string Bytes(double bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / (1L << 10):F1} KiB",
        _ => $"{bytes:F0} B",
    };

    public static string MiB(double bytes) => (bytes / (1L << 20)).ToString("F1", CultureInfo.InvariantCulture);

    public static string Seconds(double seconds) => seconds switch
    {
        double.NaN => "—",
        >= 10 => seconds.ToString("F1", CultureInfo.InvariantCulture) + " s",
        >= 1 => seconds.ToString("F2", CultureInfo.InvariantCulture) + " s",
        _ => (seconds * 1000).ToString(seconds >= 0.01 ? "F0" : "F1", CultureInfo.InvariantCulture) + " ms",
    };

    public static string Ms(double seconds) => double.IsNaN(seconds)
        ? "—"
        : (seconds * 1000).ToString(seconds >= 0.1 ? "F0" : "F1", CultureInfo.InvariantCulture) + " ms";

    /// <summary>A difference with its sign: "+12 ms", "−7.0 ms".</summary>
    public static string MsDelta(double seconds) => double.IsNaN(seconds) ? "—" : (seconds < 0 ? "−" : "+") + Ms(Math.Abs(seconds));

    public static string Ratio(double ratio) => double.IsNaN(ratio) ? "—" : ratio.ToString("F2", CultureInfo.InvariantCulture) + "×";

    public static string Number(double value, string format = "F0") => double.IsNaN(value) ? "—" : value.ToString(format, CultureInfo.InvariantCulture);
}
