using System.Globalization;
using System.Text;
using OciCache.Benchmarks.Infra;

namespace OciCache.Benchmarks.Reporting;

/// <summary>
/// PNG charts drawn by gnuplot (Debian's gnuplot-nox, pngcairo): the data and the script of each chart
/// are written to <c>results/data/</c>, so a chart can be redrawn or restyled without a new run.
/// </summary>
internal static class Charts
{
    private static readonly string[] AllPeers = ["direct", "distribution", "ocicache"];

    public static IReadOnlyList<(string File, string Title)> Files { get; } =
    [
        ("cold-pulls.png", "Cold pull wall time per image (median, log scale)"),
        ("warm-pulls.png", "Warm pull wall time per image (median)"),
        ("first-byte.png", "Cold time to first byte of the big layer (median)"),
        ("concurrency-wall.png", "Concurrent cold pulls: wall time until the last client finished"),
        ("concurrency-upstream.png", "Concurrent cold pulls: bytes fetched from the upstream, in copies of the image"),
    ];

    public static async Task WriteAsync(Results r, string resultsDirectory, Action<string> log)
    {
        var data = Path.Combine(resultsDirectory, "data");
        Directory.CreateDirectory(data);

        double Pull(string image, string peer, string phase) =>
            Stats.Median(r.Pulls.Where(p => p.Image == image && p.Peer == peer && p.Phase == phase && p.Ok).Select(p => p.Seconds));

        Table(data, "cold-pulls", ["image", .. AllPeers], r.Images.Select(i => (i.Name, AllPeers.Select(p => Pull(i.Name, p, "cold")).ToArray())));
        Table(data, "warm-pulls", ["image", "distribution", "ocicache"], r.Images.Select(i => (i.Name, new[] { Pull(i.Name, "distribution", "warm"), Pull(i.Name, "ocicache", "warm") })));
        Table(data, "first-byte", ["peer", "milliseconds"], AllPeers.Select(p =>
            (p, new[] { 1000 * Stats.Median(r.FirstBytes.Where(f => f.Peer == p && f.Ok).Select(f => f.FirstByteSeconds)) })));
        var counts = r.Concurrency.Select(c => c.Clients).Distinct().Order().ToList();
        ConcurrencyRow? Row(int n, string p) => r.Concurrency.FirstOrDefault(c => c.Clients == n && c.Peer == p);
        Table(data, "concurrency-wall", ["clients", .. AllPeers], counts.Select(n =>
            (n.ToString(CultureInfo.InvariantCulture), AllPeers.Select(p => Row(n, p)?.WallSeconds ?? double.NaN).ToArray())));
        Table(data, "concurrency-upstream", ["clients", .. AllPeers], counts.Select(n =>
            (n.ToString(CultureInfo.InvariantCulture), AllPeers.Select(p => Row(n, p) is { } c ? c.UpstreamBytes / (double)c.ImageBytes : double.NaN).ToArray())));

        await DrawAsync(data, "cold-pulls", Histogram("cold-pulls", "seconds (median)", 3, logscale: true), log);
        await DrawAsync(data, "warm-pulls", Histogram("warm-pulls", "seconds (median)", 2, logscale: false), log);
        await DrawAsync(data, "first-byte", Histogram("first-byte", "milliseconds (median)", 1, logscale: false), log);
        await DrawAsync(data, "concurrency-wall", Lines("concurrency-wall", "seconds until the last client finished", 3, logscale: true), log);
        await DrawAsync(data, "concurrency-upstream", Lines("concurrency-upstream", "upstream bytes / one copy of the image", 3, logscale: true), log);
    }

    private static void Table(string directory, string name, string[] header, IEnumerable<(string Label, double[] Values)> rows)
    {
        File.Delete(Path.Combine(directory, "..", name + ".png"));
        if (!rows.Any(r => r.Values.Any(v => !double.IsNaN(v))))
        {
            File.Delete(Path.Combine(directory, name + ".dat"));
            File.Delete(Path.Combine(directory, name + ".gp"));
            return; // a partial run (--only) did not measure it: no chart
        }

        var text = new StringBuilder(string.Join('\t', header)).Append('\n');
        foreach (var (label, values) in rows)
        {
            text.Append(label).Append('\t')
                .AppendJoin('\t', values.Select(v => double.IsNaN(v) ? "?" : v.ToString("G6", CultureInfo.InvariantCulture))).Append('\n');
        }

        File.WriteAllText(Path.Combine(directory, name + ".dat"), text.ToString());
    }

    private static string Preamble(string name, string ylabel, bool logscale) => $"""
        set terminal pngcairo size 900,480 font "sans,10"
        set output '../{name}.png'
        set datafile missing '?'
        set datafile separator '\t'
        set key top left
        set grid ytics
        set ylabel '{ylabel}'
        {(logscale ? "set logscale y\nset yrange [0.5:*]" : "set yrange [0:*]")}

        """;

    private static string Histogram(string name, string ylabel, int series, bool logscale) =>
        Preamble(name, ylabel, logscale) + """
        set style data histograms
        set style histogram clustered gap 1
        set style fill solid 0.85 border -1
        set boxwidth 0.9

        """ + "plot " + string.Join(", ", Enumerable.Range(2, series).Select(c =>
            c == 2 ? $"'{name}.dat' using 2:xtic(1) title columnheader(2)" : $"'' using {c} title columnheader({c})")) + "\n";

    private static string Lines(string name, string ylabel, int series, bool logscale) =>
        Preamble(name, ylabel, logscale) + "set xlabel 'concurrent clients'\nset logscale x 2\n" + "plot " + string.Join(", ", Enumerable.Range(2, series).Select(c =>
            $"'{name}.dat' using 1:{c} with linespoints lw 2 pt 7 title columnheader({c})")) + "\n";

    private static async Task DrawAsync(string directory, string name, string script, Action<string> log)
    {
        if (!File.Exists(Path.Combine(directory, name + ".dat")))
        {
            return;
        }

        var path = Path.Combine(directory, name + ".gp");
        await File.WriteAllTextAsync(path, script);
        var result = await Exec.RunAsync(null, "sh", ["-c", $"cd '{directory}' && gnuplot '{name}.gp'"], TimeSpan.FromSeconds(60));
        if (!result.Ok)
        {
            log($"chart {name}: gnuplot failed: {result.Describe}");
        }
    }
}
