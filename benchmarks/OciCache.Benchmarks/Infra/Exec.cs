using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace OciCache.Benchmarks.Infra;

internal sealed record ExecResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, bool TimedOut)
{
    public bool Ok => ExitCode == 0 && !TimedOut;

    public string Describe => TimedOut ? $"timed out after {Elapsed.TotalSeconds:F0} s: {Tail(Stderr)}" : $"exit {ExitCode}: {Tail(Stderr + Stdout)}";

    private static string Tail(string text) => text.Length > 600 ? "…" + text[^600..] : text;
}

/// <summary>Runs programs, in another network namespace when asked (<c>ip netns exec NS …</c>).</summary>
internal static class Exec
{
    public static ProcessStartInfo Info(string? netns, string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(netns is null ? file : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (netns is not null)
        {
            // ip execs the program in place: the child's pid is the program's, for /proc and signals.
            foreach (var part in new[] { "netns", "exec", netns, file })
            {
                info.ArgumentList.Add(part);
            }
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    public static async Task<ExecResult> RunAsync(string? netns, string file, IEnumerable<string> arguments,
        TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var info = Info(netns, file, arguments, environment);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        var elapsed = clock.Elapsed;
        lock (stdout)
        {
            lock (stderr)
            {
                return new ExecResult(timedOut ? -1 : process.ExitCode, stdout.ToString(), stderr.ToString(), elapsed, timedOut);
            }
        }
    }

    public static async Task<string> CheckedAsync(string? netns, string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var result = await RunAsync(netns, file, arguments, timeout);
        if (!result.Ok)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {result.Describe}");
        }

        return result.Stdout;
    }

    /// <summary>
    /// The command line that runs <paramref name="file"/> on CPU <paramref name="cpu"/> only, or unchanged
    /// without one. taskset execs the program in place, so the pid is still the program's (for /proc and
    /// signals), and the program starts with that affinity: .NET and Go size their thread pools and
    /// GOMAXPROCS from it, as on a machine of that many cores.
    /// </summary>
    public static (string File, IReadOnlyList<string> Arguments) OnCpu(int? cpu, string file, IEnumerable<string> arguments) =>
        cpu is null ? (file, [.. arguments]) : ("taskset", ["-c", cpu.Value.ToString(CultureInfo.InvariantCulture), file, .. arguments]);

    /// <summary>This harness's own command line (the apphost, or <c>dotnet ocibench.dll</c>), for its subcommands.</summary>
    public static (string File, string[] Prefix) Self()
    {
        var path = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [typeof(Exec).Assembly.Location])
            : (path, []);
    }
}
