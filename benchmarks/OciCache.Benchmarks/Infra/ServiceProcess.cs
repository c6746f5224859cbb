using System.Diagnostics;

namespace OciCache.Benchmarks.Infra;

/// <summary>
/// A long-running child (a registry, OciCache, the relay, containerd): output kept in memory (and in a
/// log file), its resident memory read from /proc, stopped with SIGTERM and then SIGKILL.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StreamWriter? _logFile;

    private ServiceProcess(Process process, string? logPath)
    {
        _process = process;
        StartedAt = Stopwatch.GetTimestamp();
        _logFile = logPath is null ? null : new StreamWriter(logPath, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public long StartedAt { get; }

    public bool HasExited => _process.HasExited;

    public int LineCount
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    public static ServiceProcess Start(string? netns, string file, IEnumerable<string> arguments,
        IDictionary<string, string>? environment = null, string? logPath = null)
    {
        var process = Process.Start(Exec.Info(netns, file, arguments, environment))
            ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        return new ServiceProcess(process, logPath);
    }

    public IReadOnlyList<string> LinesSince(int index)
    {
        lock (_lines)
        {
            return _lines.Skip(index).ToList();
        }
    }

    public string Tail(int count = 30)
    {
        lock (_lines)
        {
            return string.Join('\n', _lines.TakeLast(count));
        }
    }

    /// <summary>Resident set size (VmRSS) in bytes; 0 once the process is gone.</summary>
    public long RssBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        await Exec.RunAsync(null, "kill", ["-TERM", Pid.ToString()]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        _logFile?.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
            _logFile?.WriteLine(line);
        }
    }
}
