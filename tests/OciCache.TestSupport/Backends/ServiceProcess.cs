using System.Diagnostics;
using System.Text;

namespace OciCache.Testing.Backends;

/// <summary>
/// One long-running service process (postgres, ceph-mon, ceph-osd, radosgw, haproxy) started in the
/// foreground as a child of the test run, so its PID is known and it is stopped by that PID alone. Its
/// stdout and stderr are kept (the last lines) for failure messages.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 400;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>The tool's name, used in messages.</summary>
    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote to stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Starts <paramref name="file"/> with <paramref name="arguments"/>; the caller then waits for its own readiness signal.</summary>
    public static ServiceProcess Start(
        string name, string file, IEnumerable<string> arguments, string workingDirectory, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name} ({file})");
        var service = new ServiceProcess(name, process);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>
    /// Runs a one-shot command of a backend's setup (initdb, monmaptool, radosgw-admin) to its end, bounded by
    /// <paramref name="timeout"/>; fails with the command and its output unless it exits 0. Returns its output.
    /// </summary>
    public static async Task<string> RunAsync(
        string name, string file, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IDictionary<string, string>? environment = null, Func<string>? log = null)
    {
        var argumentList = arguments.ToList();
        await using var command = Start(name, file, argumentList, workingDirectory, environment);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await command._process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            command._process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException(
                $"{name} did not finish within {timeout}: {file} {string.Join(' ', argumentList)}\n{command.Output}\n{log?.Invoke()}");
        }

        command._process.WaitForExit(); // drains the output readers
        if (command._process.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"{name} failed with exit code {command._process.ExitCode}: {file} {string.Join(' ', argumentList)}\n{command.Output}\n{log?.Invoke()}");
        }

        return command.Output;
    }

    /// <summary>
    /// Asks the process to stop with <paramref name="signal"/> (sent to its PID), waits a bounded time for it
    /// to exit, then kills it and whatever it started.
    /// </summary>
    public async Task StopAsync(string signal = "TERM", TimeSpan? grace = null)
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            await ProcessRunner.RunAsync("kill", ["-s", signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(30));
            using var cts = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(cts.Token);
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
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }
    }
}
